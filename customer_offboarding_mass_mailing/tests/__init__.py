from . import test_mailing_signals
from . import test_disposal
