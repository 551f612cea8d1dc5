from . import test_lifecycle
from . import test_security
from . import test_multi_company
from . import test_contacts
from . import test_native_archive
from . import test_batch
from . import test_ui
