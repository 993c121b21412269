from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from odoo.addons.leads_management.tools.channel_code import (
    CHANNEL_CODE,
    code_from_name,
    unique_code,
)


class LeadsChannel(models.Model):
    _name = "leads.channel"
    _description = "Lead Channel"
    _order = "sequence, name, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(
        compute="_compute_code",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
        help="Stable technical key used by integrations (lower case letters, digits "
        "and underscores). Left empty, it is derived from the name.",
    )
    sequence = fields.Integer(default=10)
    is_builtin = fields.Boolean(
        string="Built-in",
        readonly=True,
        help="Built-in channels are used by the integrations: they can be renamed or "
        "archived, never deleted.",
    )
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True)

    _code_uniq = models.Constraint(
        "UNIQUE(code)", "Another channel already uses this code."
    )

    @api.depends("name")
    def _compute_code(self):
        # A new channel's code follows its name; a saved channel keeps the key
        # integrations already send, even when renamed.
        deriving = self.filtered(lambda c: c.name and not (c.code and c._origin.id))
        if not deriving:
            return
        taken = set(
            self.sudo().with_context(active_test=False).search([]).mapped("code")
        )
        for channel in deriving:
            channel.code = unique_code(code_from_name(channel.name), taken)
            taken.add(channel.code)

    @api.constrains("code")
    def _check_code(self):
        for channel in self:
            if not CHANNEL_CODE.match(channel.code or ""):
                raise ValidationError(
                    self.env._(
                        "The code %(code)r is not valid: use lower case letters, "
                        "digits and underscores, starting with a letter.",
                        code=channel.code,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and not self.env.context.get("install_mode"):
            # Only the module's data defines built-in channels.
            vals_list = [dict(vals, is_builtin=False) for vals in vals_list]
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su and not self.env.context.get("install_mode"):
            if "is_builtin" in vals:
                raise UserError(
                    self.env._("Whether a channel is built-in cannot change.")
                )
            if "code" in vals and any(
                c.is_builtin and c.code != vals["code"] for c in self
            ):
                raise UserError(
                    self.env._(
                        "The code of a built-in channel is used by the integrations "
                        "and cannot change. You can rename the channel instead."
                    )
                )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_builtin(self):
        if builtin := self.filtered("is_builtin"):
            raise UserError(
                self.env._(
                    "Built-in channels cannot be deleted (%(channels)s); archive them "
                    "instead.",
                    channels=", ".join(builtin.mapped("name")),
                )
            )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used(self):
        if self.env["leads.lead"]._leads_records_in_use("channel_id", self):
            raise UserError(
                self.env._(
                    "This channel is set on leads; archive it instead of deleting it."
                )
            )

    @api.model
    def _get_by_code(self, code):
        return self.with_context(active_test=False).search(
            [("code", "=", code)], limit=1
        )
