from . import customer_offboarding_transition
