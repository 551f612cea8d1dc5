from . import customer_offboarding_criteria
from . import customer_offboarding_disposal
