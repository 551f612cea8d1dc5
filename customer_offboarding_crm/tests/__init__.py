from . import test_crm_signals
