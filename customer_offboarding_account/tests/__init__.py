from . import test_invoice_signals
from . import test_offboarding_value
