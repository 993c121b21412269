from odoo import api, models
from odoo.fields import Domain

# The files of the lead import (the wizard's upload and a test run's error
# report, the job's copy and error report) are not indexed for search: nobody
# looks them up by their content, which is personal data, and for a large file
# the index is one more copy of it in the database, and several in memory while
# it is built (a 14 MiB file of 200,000 rows took more than 100 MiB).
UNINDEXED_FILES = {
    ("leads.import.wizard", "file"),
    ("leads.import.wizard", "preview_error_file"),
    ("leads.import.job", "file"),
    ("leads.import.job", "error_file"),
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
        result = super()._check_access(operation)
        Policy = self.env["leads.chatter.policy"]
        rule = Policy._attachment_rule(operation)
        return Policy._restrict(
            self,
            result,
            # Files held by a lead's own fields are not part of its history.
            lambda att: rule
            if att.res_model == "leads.lead" and not att.res_field
            else None,
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
