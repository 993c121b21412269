from . import models
from .hooks import _post_init_hook, _uninstall_hook
