from . import adapters
from . import main
