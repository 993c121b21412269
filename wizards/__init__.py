from . import leads_import_wizard
from . import leads_import_wizard_line
