from . import adapters
from . import main
from . import twilio
from . import google_ads
from . import mail_thread
from . import export
from . import stripe
