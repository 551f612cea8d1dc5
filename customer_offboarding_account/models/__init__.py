from . import account_move
from . import customer_offboarding_rule
