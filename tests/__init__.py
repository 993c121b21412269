from . import test_leads_install
from . import test_leads_config
from . import test_leads_lead
from . import test_leads_access
from . import test_leads_settings
from . import test_leads_ui
from . import test_leads_import_wizard
