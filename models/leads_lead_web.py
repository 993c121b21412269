from odoo import models
from odoo.tools import SQL

NUMBER_TYPES = ("integer", "float", "monetary")


class LeadsLead(models.Model):
    _inherit = "leads.lead"

    def web_read(self, specification):
        result = super().web_read(specification)
        numbers = [
            fname
            for fname in specification
            if fname.startswith("x_")
            and (field := self._fields.get(fname))
            and field.type in NUMBER_TYPES
            and field.store
        ]
        if numbers and result:
            # The ORM reads an empty number as 0: a custom number nobody filled
            # in shows blank, as its text and date fields do, not as 0 or 0.00.
            self.flush_recordset(numbers)
            self.env.cr.execute(
                SQL(
                    "SELECT id, %s FROM leads_lead WHERE id IN %s",
                    SQL(", ").join(
                        SQL("%s IS NULL", SQL.identifier(fname)) for fname in numbers
                    ),
                    tuple(self.ids),
                )
            )
            empty = {row[0]: row[1:] for row in self.env.cr.fetchall()}
            for values in result:
                for fname, is_empty in zip(numbers, empty[values["id"]], strict=True):
                    if is_empty:
                        values[fname] = False
        return result
