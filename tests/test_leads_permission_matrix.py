"""The permission matrix of contract section 4: one row per group of the
contract's table (plus no group), one column per operation, three businesses.

Every cell runs as a real restricted user (``new_test_user`` + ``with_user``)
through the ORM paths the web client and RPC use, inside a savepoint that is
rolled back afterwards. A cell the row allows must succeed; every other cell
must be refused: ``AccessError``/``UserError``, or the data hidden (an empty
result where the allowed side gets records).
"""

import base64
import contextlib

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common_security import LeadsSecurityCommon


class Hidden(Exception):
    """The operation ran but showed nothing: refused by hiding."""


class _Rollback(Exception):
    pass


# The operations (columns). ``lead_a`` is in the user's business (A), ``lead_b``
# and ``lead_c`` in two other businesses (B, C).
def _read_a(test, user):
    test.as_user(user).browse(test.lead_a.id).read(["name"])


def _read_b(test, user):
    test.as_user(user).browse(test.lead_b.id).read(["name"])


def _read_c(test, user):
    test.as_user(user).browse(test.lead_c.id).read(["name"])


def _search(test, user):
    if not test.as_user(user).search([("name", "=", "Lead A")]):
        raise Hidden()


def _read_contact(test, user):
    test.as_user(user).browse(test.lead_a.id).read(["phone", "email"])


def _read_history(test, user):
    messages = (
        test.env["mail.message"]
        .with_user(user)
        .with_context(allowed_company_ids=user.company_ids.ids)
        .search([("model", "=", "leads.lead"), ("res_id", "=", test.lead_a.id)])
    )
    if not messages:
        raise Hidden()


def _read_tasks(test, user):
    test.as_user(user).browse(test.lead_a.id).read(["activity_ids"])


def _create(test, user):
    test.as_user(user).create({"name": "Matrix New", "phone": "+1 415 555 0300"})


def _write_info(test, user):
    test.as_user(user).browse(test.lead_a.id).write({"name": "Matrix Renamed"})


def _write_stage(test, user):
    test.as_user(user).browse(test.lead_a.id).write(
        {"stage_id": test.stage_opportunity.id}
    )


def _write_b(test, user):
    test.as_user(user).browse(test.lead_b.id).write({"name": "Matrix Renamed B"})


def _unlink(test, user):
    test.as_user(user).browse(test.lead_a.id).unlink()


def _activity(test, user):
    test.as_user(user).browse(test.lead_a.id).activity_schedule(
        "mail.mail_activity_data_todo", summary="Matrix reminder"
    )


def _convert(test, user):
    test.as_user(user).browse(test.lead_a.id).action_convert()


def _sms(test, user):
    test.as_user(user).browse(test.lead_a.id)._message_sms("Matrix SMS")


def _email(test, user):
    test.as_user(user).browse(test.lead_a.id).message_post(
        body="Matrix email",
        message_type="comment",
        subtype_xmlid="mail.mt_comment",
        partner_ids=test.outsider.ids,
    )


def _call(test, user):
    test.as_user(user).browse(test.lead_a.id).action_call()


def _composer(test, user, model, values):
    """A mass composer of ``model`` opened by ``user`` in their businesses."""
    return (
        test.env[model]
        .with_user(user)
        .with_context(allowed_company_ids=user.company_ids.ids)
        .create(values)
    )


def _mass_sms(test, user):
    _composer(
        test,
        user,
        "sms.composer",
        {
            "composition_mode": "mass",
            "res_model": "leads.lead",
            "res_ids": repr(test.lead_a.ids),
            "body": "Matrix promo",
        },
    ).action_send_sms()


def _mass_email(test, user):
    _composer(
        test,
        user,
        "mail.compose.message",
        {
            "composition_mode": "mass_mail",
            "model": "leads.lead",
            "res_ids": test.lead_a.ids,
            "subject": "Matrix offer",
            "body": "Hello",
        },
    ).action_send_mail()


def _report(test, user):
    visible = test.env["ir.ui.menu"].with_user(user)._visible_menu_ids()
    for xmlid in ("leads_menu_insights", "leads_lead_menu_report"):
        if test.env.ref(f"leads_management.{xmlid}").id not in visible:
            raise Hidden()
    test.env["leads.report"].with_user(user).with_context(
        allowed_company_ids=user.company_ids.ids
    ).formatted_read_group([], ["stage_id"], ["__count"])


def _export(test, user):
    test.as_user(user).browse(test.lead_a.id).export_data(["name"])


def _import(test, user):
    wizard = (
        test.env["leads.import.wizard"]
        .with_user(user)
        .with_context(allowed_company_ids=user.company_ids.ids)
        .create(
            {
                "file": base64.b64encode(b"Name,Phone\nMatrix,+1 415 555 0301\n"),
                "filename": "matrix.csv",
                "company_id": test.company_a.id,
            }
        )
    )
    wizard.action_load()
    wizard.action_preview()


def _fields_read(test, user):
    test.env["leads.field"].with_user(user).search([])


def _fields_write(test, user):
    # Creating a field changes the registry: the ACL is what grants it (the
    # whole create/rename/delete flow is in test_leads_field).
    test.env["leads.field"].with_user(user).check_access("create")


def _fields_delete(test, user):
    test.env["leads.field"].with_user(user).check_access("unlink")


def _settings(test, user):
    test.env["leads.lifecycle.stage"].with_user(user).create({"name": "Matrix Stage"})


OPERATIONS = {
    "read_a": _read_a,
    "read_b": _read_b,
    "read_c": _read_c,
    "search": _search,
    "read_contact": _read_contact,
    "read_history": _read_history,
    "read_tasks": _read_tasks,
    "create": _create,
    "write_info": _write_info,
    "write_stage": _write_stage,
    "write_b": _write_b,
    "unlink": _unlink,
    "activity": _activity,
    "convert": _convert,
    "sms": _sms,
    "email": _email,
    "call": _call,
    "mass_sms": _mass_sms,
    "mass_email": _mass_email,
    "report": _report,
    "export": _export,
    "import": _import,
    "fields_read": _fields_read,
    "fields_write": _fields_write,
    "fields_delete": _fields_delete,
    "settings": _settings,
}

VW = {"read_a", "search"}  # View at Working Businesses alone
CONTACT = "view_working,view_contact"
# (row label, groups, operations allowed). Communication rows hold Lead Email
# and Phone: a message goes to the lead's number or address.
ROWS = [
    ("no view group", "", set()),
    ("group_lead_view_individual", "view_individual", {"read_a"}),
    ("group_lead_view_working", "view_working", VW),
    ("group_lead_view_all", "view_all", VW | {"read_b", "read_c"}),
    ("group_lead_view_contact", CONTACT, VW | {"read_contact"}),
    ("group_lead_view_history", "view_working,view_history", VW | {"read_history"}),
    ("group_lead_view_tasks", "view_working,view_tasks", VW | {"read_tasks"}),
    ("group_lead_add", "view_working,add", VW | {"create", "read_contact"}),
    (
        "group_lead_edit_info",
        "view_working,edit_info",
        VW | {"write_info", "write_stage"},
    ),
    ("group_lead_edit_tasks", "view_working,edit_tasks", VW | {"activity"}),
    ("group_lead_delete", "view_working,delete", VW | {"unlink"}),
    ("group_lead_convert", "view_working,convert", VW | {"convert"}),
    ("group_lead_message", CONTACT + ",message", VW | {"read_contact", "sms"}),
    ("group_lead_call", CONTACT + ",call", VW | {"read_contact", "call"}),
    ("group_lead_email", CONTACT + ",email", VW | {"read_contact", "email"}),
    (
        "group_lead_mass_sms",
        CONTACT + ",mass_sms",
        VW | {"read_contact", "mass_sms"},
    ),
    (
        "group_lead_mass_email",
        CONTACT + ",mass_email",
        VW | {"read_contact", "mass_email"},
    ),
    ("group_lead_report_view", "view_working,report_view", VW | {"report"}),
    (
        "group_lead_report_export",
        "view_working,report_export",
        VW | {"report", "export"},
    ),
    ("group_lead_import", "view_working,import", VW | {"import"}),
    ("group_lead_fields_access", "fields_access", {"fields_read"}),
    ("group_lead_fields_edit", "fields_edit", {"fields_read", "fields_write"}),
    (
        "group_lead_fields_delete",
        "fields_delete",
        {"fields_read", "fields_write", "fields_delete"},
    ),
    ("group_lead_settings", "settings", {"settings"}),
    ("group_lead_manager", "manager", set(OPERATIONS)),
]


@tagged("post_install", "-at_install", "security")
class TestLeadsPermissionMatrix(LeadsSecurityCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a.leads_calling_enabled = True
        # Lead A came from an intake form: one of the ways in of the
        # individual scope, which reaches no lead by its id alone.
        cls.lead_a.channel_id = cls.env.ref(
            "leads_management.leads_channel_intake_form"
        )
        cls.outsider = cls.env["res.partner"].create(
            {"name": "Matrix Outsider", "email": "outsider@example.com"}
        )

    def _run_cell(self, operation, user):
        """'allowed' or 'refused' (anything else fails the test)."""
        outcome = "allowed"
        try:
            with contextlib.suppress(_Rollback), self.env.cr.savepoint():
                operation(self, user)
                raise _Rollback()
        except (AccessError, UserError, Hidden):
            outcome = "refused"
        finally:
            self.env.invalidate_all()
        return outcome

    def test_every_group_of_the_contract_has_a_row(self):
        self.assertEqual(
            {row[0] for row in ROWS if row[0].startswith("group_")},
            {
                xmlid.split(".")[1]
                for xmlid in self.env["ir.model.data"]
                .search(
                    [
                        ("module", "=", "leads_management"),
                        ("model", "=", "res.groups"),
                        ("name", "=like", "group_lead_%"),
                        ("name", "!=", "group_lead_webhook"),
                    ]
                )
                .mapped("complete_name")
            },
        )

    def test_each_row_is_allowed_exactly_its_operations(self):
        self.maxDiff = None
        expected, actual = {}, {}
        for label, groups, allowed in ROWS:
            user = self.make_user(
                f"matrix_{label.replace(' ', '_')}",
                groups,
                companies=self.company_a,
            )
            for name, operation in OPERATIONS.items():
                expected[label, name] = "allowed" if name in allowed else "refused"
                actual[label, name] = self._run_cell(operation, user)
        # The whole matrix at once, so that a change shows its whole footprint.
        self.assertEqual(actual, expected)

    def test_cells_leave_the_leads_unchanged(self):
        user = self.make_user("matrix_cells_manager", "manager")
        for operation in OPERATIONS.values():
            self._run_cell(operation, user)
        self.assertEqual(self.lead_a.name, "Lead A")
        self.assertEqual(self.lead_b.name, "Lead B")
        self.assertFalse(self.lead_a.converted_date)
