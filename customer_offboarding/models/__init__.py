from . import customer_offboarding_reason
from . import customer_offboarding_case
from . import customer_offboarding_event
from . import res_company
from . import res_config_settings
from . import res_partner
