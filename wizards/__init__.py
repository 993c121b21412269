from . import leads_convert_wizard
