from . import customer_offboarding_transition
from . import customer_offboarding_preview
