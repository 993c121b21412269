from odoo import api, models
from odoo.fields import Domain

# The files of the lead import (the wizard's upload and error report, the job's
# copies) are not indexed for search: nobody looks them up by their content,
# which is personal data, and for a large file the index is one more copy of it
# in the database, and several in memory while it is built (a 14 MB file of
# 200,000 rows took more than 100 MB).
UNINDEXED_FILES = {
    (model, field)
    for model in ("leads.import.wizard", "leads.import.job")
    for field in ("file", "error_file")
}


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

    @api.model_create_multi
    def create(self, vals_list):
        if not any(_unindexed(vals) for vals in vals_list):
            return super().create(vals_list)
        records = self.browse()
        for vals in vals_list:
            attachments = self.with_context(leads_unindexed=_unindexed(vals))
            records |= super(IrAttachment, attachments).create([vals])
        return records.with_env(self.env)

    def _set_attachment_data(self, asbytes):
        unindexed = self.filtered(
            lambda att: (att.res_model, att.res_field) in UNINDEXED_FILES
        )
        if not unindexed:
            return super()._set_attachment_data(asbytes)
        if unindexed != self:
            super(IrAttachment, self - unindexed)._set_attachment_data(asbytes)
        return super(
            IrAttachment, unindexed.with_context(leads_unindexed=True)
        )._set_attachment_data(asbytes)

    def _index(self, bin_data, file_type, checksum=None):
        if self.env.context.get("leads_unindexed"):
            return None
        return super()._index(bin_data, file_type, checksum=checksum)

    def _check_access(self, operation):
        # Files of a lead belong to its history: seeing them needs the history
        # permission, adding or removing them the notes permission.
        result = super()._check_access(operation)
        if self.env.su or not self:
            return result
        Lead = self.env["leads.lead"]
        groups = (
            ("group_lead_view_history",)
            if operation == "read"
            else ("group_lead_view_history", "group_lead_edit_tasks")
        )
        if all(Lead._leads_has_group(group) for group in groups):
            return result
        allowed = result[0] if result else self.browse()
        forbidden = self.browse(
            (self - allowed)
            .sudo()
            .filtered(lambda att: att.res_model == "leads.lead" and not att.res_field)
            .ids
        )
        if not forbidden:
            return result
        if result:
            return (result[0] | forbidden, result[1])
        return (
            forbidden,
            lambda: self.env["ir.rule"]._make_access_error(operation, forbidden),
        )

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None, **kwargs):
        if not self.env.su and not self.env["leads.lead"]._leads_has_group(
            "group_lead_view_history"
        ):
            domain = Domain(domain) & Domain("res_model", "!=", "leads.lead")
        return super()._search(
            domain, offset=offset, limit=limit, order=order, **kwargs
        )


def _unindexed(vals):
    return (vals.get("res_model"), vals.get("res_field")) in UNINDEXED_FILES
