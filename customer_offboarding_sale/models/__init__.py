from . import customer_offboarding_criteria
from . import customer_offboarding_data_export
from . import customer_offboarding_rule
from . import sale_order
