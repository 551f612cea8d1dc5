from . import customer_offboarding_rule
