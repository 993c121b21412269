from . import leads_action_status
from . import leads_channel
from . import leads_lifecycle_stage
from . import leads_lead
from . import leads_import_job
from . import res_company
from . import res_config_settings
from . import res_partner
