from . import test_invoice_signals
