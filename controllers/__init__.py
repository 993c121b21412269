from . import adapters
from . import main
from . import twilio
