from . import test_sale_offboarding
from . import test_sale_signals
