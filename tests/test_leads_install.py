from odoo.tests import TransactionCase, tagged


@tagged("at_install", "-post_install")
class TestLeadsInstall(TransactionCase):
    """Checks run while the module installs (Odoo's at_install phase)."""

    def test_every_model_has_access_rules(self):
        # Abstract models (mixins, policies) have no records to protect.
        models = self.env["ir.model"].search(
            [("model", "=like", "leads.%"), ("abstract", "=", False)]
        )
        self.assertTrue(models)
        # Abstract models (mixins) have no table and take no access rights.
        for model in models.filtered(lambda m: not self.env[m.model]._abstract):
            with self.subTest(model=model.model):
                self.assertTrue(
                    self.env["ir.model.access"].search_count(
                        [("model_id", "=", model.id)]
                    )
                )

    def test_default_data_loaded(self):
        self.assertEqual(
            self.env["leads.lifecycle.stage"]._get_default_stage(),
            self.env.ref("leads_management.leads_lifecycle_stage_lead"),
        )
        self.assertTrue(
            self.env["leads.lifecycle.stage"]._get_converted_stage().is_converted
        )
        self.assertEqual(
            self.env["leads.channel"]._get_by_code("manual"),
            self.env.ref("leads_management.leads_channel_manual"),
        )

    def test_companies_have_distinct_webhook_secrets(self):
        secrets = (
            self.env["res.company"].sudo().search([]).mapped("leads_webhook_secret")
        )
        self.assertTrue(all(secrets))
        self.assertEqual(len(secrets), len(set(secrets)))
