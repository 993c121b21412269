"""Access groups of contract section 4, proven with the users who must be
refused: the base class of those tests (leads in three businesses).

Every test acts as a real restricted user (``new_test_user`` + ``with_user``)
through the ORM paths the web client and RPC use.
"""

from odoo.tests import tagged

from .common import LeadsCommon

VIEW = "view_working,view_contact,view_history,view_tasks"


@tagged("post_install", "-at_install", "security")
class LeadsSecurityCommon(LeadsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_c = cls.env["res.company"].create(
            {"name": "Paws Spa C", "country_id": cls.env.ref("base.us").id}
        )
        Lead = cls.env["leads.lead"]
        cls.lead_a = Lead.create(
            {
                "name": "Lead A",
                "phone": "+1 415 555 0100",
                "email": "a@example.com",
                "company_id": cls.company_a.id,
            }
        )
        cls.lead_b = Lead.create(
            {
                "name": "Lead B",
                "phone": "+32 470 12 34 56",
                "company_id": cls.company_b.id,
            }
        )
        cls.lead_c = Lead.create(
            {"name": "Lead C", "email": "c@example.com", "company_id": cls.company_c.id}
        )
        cls.activity_a = cls.lead_a.activity_schedule(
            "mail.mail_activity_data_call", summary="Call back"
        )
        cls.note_a = cls.lead_a.message_post(
            body="Prefers mornings",
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )

    def as_user(self, user, companies=None):
        companies = companies or user.company_ids
        return (
            self.env["leads.lead"]
            .with_user(user)
            .with_context(allowed_company_ids=companies.ids)
        )
