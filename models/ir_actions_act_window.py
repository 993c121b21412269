from odoo import models
from odoo.exceptions import AccessError


class IrActionsAct_Window(models.Model):
    _inherit = "ir.actions.act_window"

    def _get_action_dict(self):
        # /web/action/load (and a path such as /odoo/leads-report) reads any
        # action in sudo: the groups of this module's actions only hide them
        # from menus and bindings. They are refused here to the other users.
        self._leads_check_action_groups()
        return super()._get_action_dict()

    def _leads_check_action_groups(self):
        # /web/action/load works in sudo: the user is the one of the request.
        if self.env.user._is_superuser():
            return
        action = self.sudo()
        if not action.group_ids or action.group_ids & self.env.user.all_group_ids:
            return
        xmlid = action.get_external_id().get(action.id, "")
        if not xmlid.startswith("leads_management."):
            return
        raise AccessError(
            self.env._(
                "You are not allowed to open %(action)s: it needs the permission "
                "%(groups)s.",
                action=action.name,
                groups=", ".join(action.group_ids.mapped("full_name")),
            )
        )
