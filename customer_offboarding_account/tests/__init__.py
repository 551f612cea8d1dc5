from . import test_invoice_signals
from . import test_offboarding_value
from . import test_disposal
