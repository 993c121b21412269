from . import leads_convert_wizard
from . import leads_settings
from . import mail_compose_message
from . import sms_composer
from . import leads_import_wizard
from . import leads_import_wizard_line
from . import leads_conversion_export
