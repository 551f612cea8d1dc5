from . import customer_offboarding_criteria
