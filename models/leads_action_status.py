import re

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

HEX_COLOR = re.compile(r"^#[0-9A-F]{6}$")


def _relative_luminance(hex_color):
    """WCAG 2.x relative luminance of a #RRGGBB colour."""

    def channel(value):
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast_ratio(color_a, color_b):
    lighter, darker = sorted(
        (_relative_luminance(color_a), _relative_luminance(color_b)), reverse=True
    )
    return (lighter + 0.05) / (darker + 0.05)


class LeadsActionStatus(models.Model):
    _name = "leads.action.status"
    _description = "Lead Action Status"
    _order = "sequence, id"

    name = fields.Char(string="Status", required=True, translate=True)
    sequence = fields.Integer(default=10)
    color = fields.Char(
        required=True,
        default="#E0E0E0",
        help="Background colour of the lead cards with this status, as #RRGGBB.",
    )
    text_color = fields.Char(
        compute="_compute_text_color",
        help="Black or white, whichever reads better on the background colour.",
    )
    active = fields.Boolean(default=True)

    _name_uniq = models.Constraint(
        "UNIQUE(name)", "An action status with this name already exists."
    )

    @api.depends("color")
    def _compute_text_color(self):
        for status in self:
            color = (
                status.color if status.color and HEX_COLOR.match(status.color) else None
            )
            if not color:
                status.text_color = "#000000"
                continue
            status.text_color = (
                "#000000"
                if contrast_ratio(color, "#000000") >= contrast_ratio(color, "#FFFFFF")
                else "#FFFFFF"
            )

    @api.constrains("color")
    def _check_color(self):
        for status in self:
            if not HEX_COLOR.match(status.color or ""):
                raise ValidationError(
                    self.env._(
                        "The colour of status %(status)s must be written #RRGGBB, "
                        "for example #FFD54F (got %(color)r).",
                        status=status.name,
                        color=status.color,
                    )
                )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used(self):
        if self.env["leads.lead"]._leads_records_in_use("action_status_id", self):
            raise UserError(
                self.env._(
                    "This action status is set on leads; archive it instead of "
                    "deleting it."
                )
            )

    @api.model
    def _normalize_color(self, vals):
        if isinstance(vals.get("color"), str):
            vals["color"] = vals["color"].strip().upper()
        return vals

    @api.model_create_multi
    def create(self, vals_list):
        return super().create([self._normalize_color(dict(vals)) for vals in vals_list])

    def write(self, vals):
        return super().write(self._normalize_color(dict(vals)))
