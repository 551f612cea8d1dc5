from . import account_move
from . import customer_offboarding_case
from . import customer_offboarding_criteria
from . import customer_offboarding_data_export
from . import customer_offboarding_exemptions
from . import customer_offboarding_rule
from . import customer_offboarding_tier
from . import customer_offboarding_disposal
