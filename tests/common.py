from odoo.tests import new_test_user

from odoo.addons.base.tests.common import BaseCommon


class LeadsCommon(BaseCommon):
    """Two businesses (one with Leads Management off) and typical users."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Company = cls.env["res.company"]
        cls.company_a = Company.create(
            {"name": "Paws Grooming A", "country_id": cls.env.ref("base.us").id}
        )
        cls.company_b = Company.create(
            {"name": "Paws Boarding B", "country_id": cls.env.ref("base.be").id}
        )
        cls.company_off = Company.create(
            {
                "name": "Paws Closed C",
                "country_id": cls.env.ref("base.us").id,
                "leads_management_enabled": False,
            }
        )
        all_companies = cls.company_a | cls.company_b | cls.company_off
        cls.manager = new_test_user(
            cls.env,
            login="leads_manager",
            groups="base.group_user,leads_management.group_lead_manager",
            company_id=cls.company_a.id,
            company_ids=all_companies.ids,
        )
        cls.internal_user = new_test_user(
            cls.env,
            login="leads_internal",
            groups="base.group_user",
            company_id=cls.company_a.id,
            company_ids=cls.company_a.ids,
        )
        cls.stage_lead = cls.env.ref("leads_management.leads_lifecycle_stage_lead")
        cls.stage_opportunity = cls.env.ref(
            "leads_management.leads_lifecycle_stage_opportunity"
        )
        cls.stage_trash = cls.env.ref("leads_management.leads_lifecycle_stage_trash")
        cls.stage_converted = cls.env.ref(
            "leads_management.leads_lifecycle_stage_converted"
        )
        cls.status_connected = cls.env.ref(
            "leads_management.leads_action_status_connected"
        )
        cls.channel_call = cls.env.ref("leads_management.leads_channel_call")
        cls.channel_manual = cls.env.ref("leads_management.leads_channel_manual")

    @classmethod
    def make_user(cls, login, groups, companies=None):
        """A real user holding exactly ``groups`` (short names, comma separated)."""
        companies = companies or cls.company_a
        xmlids = ["base.group_user"] + [
            g if "." in g else f"leads_management.group_lead_{g}"
            for g in groups.split(",")
            if g
        ]
        return new_test_user(
            cls.env,
            login=login,
            groups=",".join(xmlids),
            company_id=companies[0].id,
            company_ids=companies.ids,
        )

    @classmethod
    def _lead_env(cls, user, company):
        return cls.env(user=user, context=dict(allowed_company_ids=[company.id]))

    def create_lead(self, user=None, company=None, **vals):
        company = company or self.company_a
        env = self._lead_env(user or self.manager, company)
        vals.setdefault("name", "Jane Doe")
        if "phone" not in vals and "email" not in vals:
            vals["phone"] = "+1 415 555 0100"
        return env["leads.lead"].create(vals)

    def create_manual_field(self, name, label, ttype="char", **extra):
        """A manual field on leads.lead for this test only.

        It is removed (column and registry) before the test's rollback: the
        registry is reset per class only, and a field left in it without its
        column would break the later tests of the class.
        """
        field = self.env["ir.model.fields"].create(
            {
                "name": name,
                "field_description": label,
                "model_id": self.env["ir.model"]._get_id("leads.lead"),
                "ttype": ttype,
                "state": "manual",
                **extra,
            }
        )
        self.addCleanup(lambda: field.exists().unlink())
        return field


class LeadsRpcMixin:
    """For HttpCase tests: what the web client sends, as a given user."""

    def call_kw(self, login, model, method, args, kwargs=None):
        self.authenticate(login, login)
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        )
