from . import customer_offboarding_case
from . import customer_offboarding_rule
from . import res_partner
from . import sale_order
