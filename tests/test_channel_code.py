from odoo.tests import tagged
from odoo.tests.common import BaseCase

from odoo.addons.leads_management.tools.channel_code import (
    CHANNEL_CODE,
    MAX_CODE,
    code_from_name,
    unique_code,
)


@tagged("post_install", "-at_install")
class TestChannelCode(BaseCase):
    """A channel's code derived from its name, without a database."""

    def test_name_becomes_a_plain_code(self):
        cases = {
            "Instagram DM": "instagram_dm",
            "Café-Bar": "cafe_bar",
            "  Walk in  ": "walk_in",
            "123 Flyer": "channel_123_flyer",
            "🐶": "channel",
            "": "channel",
        }
        for name, code in cases.items():
            with self.subTest(name=name):
                self.assertEqual(code_from_name(name), code)

    def test_long_name_gives_a_valid_code(self):
        code = code_from_name("Referral " * 20)
        self.assertLessEqual(len(code), MAX_CODE)
        self.assertRegex(code, CHANNEL_CODE)

    def test_taken_code_gets_the_first_free_suffix(self):
        self.assertEqual(unique_code("sms", {"sms", "sms_2"}), "sms_3")
        self.assertEqual(unique_code("flyer", {"sms"}), "flyer")
        long_code = "x" * MAX_CODE
        self.assertEqual(
            unique_code(long_code, {long_code}), "x" * (MAX_CODE - 2) + "_2"
        )
