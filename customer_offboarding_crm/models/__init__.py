from . import customer_offboarding_criteria
from . import customer_offboarding_exemptions
from . import customer_offboarding_rule
from . import customer_offboarding_disposal
