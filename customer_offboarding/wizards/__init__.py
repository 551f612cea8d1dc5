from . import customer_offboarding_transition
from . import customer_offboarding_preview
from . import customer_offboarding_export
from . import customer_reactivation_request_wizard
from . import base_partner_merge
