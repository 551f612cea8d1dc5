from . import account_move
from . import customer_offboarding_case
from . import customer_offboarding_rule
from . import res_partner
