from . import test_crm_signals
from . import test_disposal
