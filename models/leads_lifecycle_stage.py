from odoo import api, fields, models, tools
from odoo.exceptions import UserError, ValidationError


class LeadsLifecycleStage(models.Model):
    _name = "leads.lifecycle.stage"
    _description = "Lead Lifecycle Stage"
    _order = "sequence, id"

    name = fields.Char(string="Stage Name", required=True, translate=True)
    sequence = fields.Integer(default=10, help="Order of the stage in the pipeline.")
    fold = fields.Boolean(
        string="Folded in Dashboard",
        help="Fold this column in the Kanban dashboard when it holds no lead.",
    )
    is_converted = fields.Boolean(
        string="Converted Stage",
        help="Leads reach this stage when they are converted to a client. New leads "
        "never start here.",
    )
    description = fields.Text(
        translate=True, help="Shown as a tooltip over the column title."
    )
    lead_count = fields.Integer(compute="_compute_lead_count", string="Leads")

    def _compute_lead_count(self):
        # sudo: settings managers need not see leads; count those of the
        # businesses selected in the company switcher.
        counts = dict(
            self.env["leads.lead"]
            .sudo()
            .with_context(active_test=False)
            ._read_group(
                [
                    ("stage_id", "in", self.ids),
                    ("company_id", "in", self.env.companies.ids),
                ],
                ["stage_id"],
                ["__count"],
            )
        )
        for stage in self:
            stage.lead_count = counts.get(stage, 0)

    @api.model_create_multi
    def create(self, vals_list):
        self.env.registry.clear_cache()  # _leads_stage_ids
        return super().create(vals_list)

    def write(self, vals):
        if "is_converted" in vals:
            self._check_stage_kinds(bool(vals["is_converted"]))
        if {"sequence", "is_converted"} & vals.keys():
            self.env.registry.clear_cache()  # _leads_stage_ids
        return super().write(vals)

    def unlink(self):
        self.env.registry.clear_cache()  # _leads_stage_ids
        return super().unlink()

    def _check_stage_kinds(self, is_converted):
        """Refuse a change that leaves no open stage or no converted stage.

        Not an @api.constrains: data files create the stages one at a time.
        """
        others = self.search([("id", "not in", self.ids)])
        if is_converted and not others.filtered(lambda s: not s.is_converted):
            raise ValidationError(
                self.env._("Keep at least one stage that is not a converted stage.")
            )
        if not is_converted and not others.filtered("is_converted"):
            raise ValidationError(
                self.env._("Keep at least one converted stage for converted leads.")
            )

    @api.constrains("is_converted")
    def _check_converted_flag_matches_leads(self):
        for stage in self:
            domain = [("stage_id", "=", stage.id)]
            domain.append(
                ("converted_date", "=" if stage.is_converted else "!=", False)
            )
            # sudo: leads of every business count, visible to this user or not.
            if (
                self.env["leads.lead"]
                .sudo()
                .with_context(active_test=False)
                .search_count(domain, limit=1)
            ):
                raise ValidationError(
                    self.env._(
                        "Stage %(stage)s holds leads; move them to another stage "
                        "before changing whether it is a converted stage.",
                        stage=stage.name,
                    )
                )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used_or_last(self):
        remaining = self.search([("id", "not in", self.ids)])
        if not remaining.filtered(
            lambda s: not s.is_converted
        ) or not remaining.filtered("is_converted"):
            raise UserError(
                self.env._(
                    "The pipeline needs at least one open stage and one converted "
                    "stage."
                )
            )
        # sudo: leads of businesses this user cannot see still use the stage.
        used_ids = {
            stage.id
            for [stage] in self.env["leads.lead"]
            .sudo()
            .with_context(active_test=False)
            ._read_group([("stage_id", "in", self.ids)], ["stage_id"])
        }
        if used := self.filtered(lambda s: s.id in used_ids):
            raise UserError(
                self.env._(
                    "Stage %(stages)s still holds leads. Move them to another stage "
                    "first.",
                    stages=", ".join(used.mapped("name")),
                )
            )

    @api.model
    @tools.ormcache()
    def _leads_stage_ids(self):
        """``(first open stage id, converted stage ids)``.

        Cached: every new lead reads them (a webhook, each imported row);
        creating, reordering, flagging or deleting a stage clears the cache.
        sudo: the pipeline is the same for everyone.
        """
        stages = self.sudo().search_fetch([], ["is_converted"])
        first_open = stages.filtered(lambda stage: not stage.is_converted)[:1]
        return first_open.id, frozenset(stages.filtered("is_converted").ids)

    @api.model
    def _get_default_stage(self):
        """The first stage a new lead starts in."""
        return self.browse(self._leads_stage_ids()[0])

    @api.model
    def _get_converted_stage(self):
        return self.search([("is_converted", "=", True)], limit=1)
