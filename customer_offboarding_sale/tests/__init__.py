from . import test_sale_signals
