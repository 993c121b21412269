from odoo.tests import tagged
from odoo.tools import mute_logger

from .common_twilio import TwilioCommon
from .common_webhook import CONTROLLER_LOGGER


@tagged("post_install", "-at_install")
class TestTwilioRouting(TwilioCommon):
    """The business a Twilio request is for follows its numbers and account
    as the administrators change them, from the next request on."""

    NEW_NUMBER = "+14155550199"

    def assertRoutedTo(self, company, **kwargs):
        sid = self.new_sid("SM")
        self.assertEmptyTwiml(self.sms("Hello", sid=sid, **kwargs))
        self.assertEqual(self.events(sid).company_id, company)

    def assertRefused(self, **kwargs):
        sid = self.new_sid("SM")
        with mute_logger(CONTROLLER_LOGGER):
            response = self.sms("Hello", sid=sid, **kwargs)
        self.assertEqual(response.status_code, 403, response.text)
        self.assertFalse(self.events(sid))

    def test_a_number_added_later_is_routed(self):
        self.assertRefused(to=self.NEW_NUMBER)
        us = self.env.ref("base.us")
        self.company_a.sudo().sms_twilio_number_ids = [
            (0, 0, {"number": self.NEW_NUMBER, "country_id": us.id})
        ]
        self.assertRoutedTo(self.company_a, to=self.NEW_NUMBER)

    def test_a_number_removed_or_changed_is_no_longer_routed(self):
        self.assertRoutedTo(self.company_a)
        number = self.company_a.sudo().sms_twilio_number_ids
        number.number = self.NEW_NUMBER
        self.assertRefused()
        self.assertRoutedTo(self.company_a, to=self.NEW_NUMBER)
        number.unlink()
        self.assertRefused(to=self.NEW_NUMBER)

    def test_a_number_moved_to_another_business_follows_it(self):
        self.assertRoutedTo(self.company_a)
        self.company_a.sudo().sms_twilio_number_ids.company_id = self.company_b
        self.company_b.sudo().sms_twilio_account_sid = self.SID_A
        self.company_b.sudo().sms_twilio_auth_token = self.TOKEN_A
        self.assertRoutedTo(self.company_b)

    def test_a_changed_account_is_routed_under_the_new_account_only(self):
        new_account = "AC" + "9" * 32
        self.assertRoutedTo(self.company_a)
        self.company_a.sudo().sms_twilio_account_sid = new_account
        self.assertRefused()
        self.assertRoutedTo(self.company_a, account=new_account)

    def test_an_archived_business_is_not_routed(self):
        silent = {
            "to": self.NUMBER_SILENT,
            "account": self.SID_SILENT,
            "token": self.TOKEN_SILENT,
        }
        self.assertRoutedTo(self.company_silent, **silent)
        self.company_silent.sudo().action_archive()
        self.assertRefused(**silent)
        self.company_silent.sudo().action_unarchive()
        self.assertRoutedTo(self.company_silent, **silent)
