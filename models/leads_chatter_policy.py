from odoo import api, models
from odoo.exceptions import AccessError

# What each Leads permission covers in a lead's chatter: the history (messages),
# the tasks (activities) and the files (attachments). A rule is the groups an
# operation needs and the sentence naming that operation in a refusal.
READ_HISTORY = ("group_lead_view_history",)
EDIT_NOTES = ("group_lead_view_history", "group_lead_edit_tasks")
LOG_NOTE = ("group_lead_edit_tasks",)
SEND_EMAIL = ("group_lead_email",)
SEND_SMS = ("group_lead_message",)
# What the system records (stage changes, conversions, calls and SMS received,
# emails and SMS sent) is rewritten by managers only.
EDIT_RECORD = ("group_lead_manager",)
READ_TASKS = ("group_lead_view_tasks",)
EDIT_TASKS = ("group_lead_edit_tasks",)


class LeadsChatterPolicy(models.AbstractModel):
    """Who may read and change a lead's history, tasks and files.

    Odoo lets anyone who reads a document post on it and plan its activities
    (``_mail_post_access = "read"`` on leads). mail.message, mail.activity,
    ir.attachment, the lead's ``message_post`` and the chatter's routes ask
    here which Leads permissions an operation needs, and refuse it naming
    them.
    """

    _name = "leads.chatter.policy"
    _description = "Leads: access to a lead's history, tasks and files"

    # ------------------------------------------------------------------
    # Rules
    # ------------------------------------------------------------------

    @api.model
    def _post_rule(self, *, message_type="comment", internal=True, notifies=False):
        """Rule for posting on a lead.

        :param internal: a note (internal subtype or message), not a message
        :param notifies: it names recipients (partners or email addresses),
          who get it by email whatever its type
        """
        if message_type == "sms":
            return SEND_SMS, self.env._("Sending SMS to leads")
        if not internal or notifies:
            return SEND_EMAIL, self.env._("Sending emails from leads")
        return LOG_NOTE, self.env._("Logging notes on leads")

    @api.model
    def _message_rule(self, message, operation):
        """Rule for ``operation`` on ``message`` (sudo) of a lead."""
        if operation == "read":
            return READ_HISTORY, self.env._("Reading the history of leads")
        internal = message.is_internal or message.subtype_id.internal
        if operation == "create":
            return self._post_rule(
                message_type=message.message_type,
                internal=internal,
                notifies=bool(message.partner_ids or message.outgoing_email_to),
            )
        if internal and message.message_type == "comment":
            return EDIT_NOTES, self.env._("Editing or deleting the notes of leads")
        return EDIT_RECORD, self.env._(
            "Editing or deleting what the history of leads records"
        )

    @api.model
    def _activity_rule(self, operation):
        if operation == "read":
            return READ_TASKS, self.env._("Seeing the tasks of leads")
        return EDIT_TASKS, self.env._("Adding, editing or deleting the tasks of leads")

    @api.model
    def _attachment_rule(self, operation):
        # A lead's files belong to its history.
        if operation == "read":
            return READ_HISTORY, self.env._("Seeing the files of leads")
        return EDIT_NOTES, self.env._("Adding or removing the files of leads")

    # ------------------------------------------------------------------
    # Checks
    # ------------------------------------------------------------------

    @api.model
    def _allows(self, rule):
        groups, _what = rule
        Lead = self.env["leads.lead"]
        return all(Lead._leads_has_group(group) for group in groups)

    @api.model
    def _check(self, rule):
        if not self._allows(rule):
            raise self._refusal(rule)

    @api.model
    def _refusal(self, rule):
        groups, what = rule
        return AccessError(
            self.env._(
                "%(operation)s needs the permission %(permissions)s.",
                operation=what,
                permissions=", ".join(
                    f"“{self._group_label(group)}”" for group in groups
                ),
            )
        )

    @api.model
    def _group_label(self, group):
        """The permission as the user form shows it (e.g. Edit Tasks and Notes)."""
        group = self.env.ref(f"leads_management.{group}").sudo()
        privilege = group.privilege_id
        if privilege and len(privilege.group_ids) == 1:
            return privilege.name
        return group.name if not privilege else f"{privilege.name}: {group.name}"

    @api.model
    def _restrict(self, records, result, rule_of):
        """Narrow ``result`` of ``records._check_access()`` to the Leads rules.

        :param rule_of: callable taking a record (sudo) and returning its rule,
          or None when the record is not part of a lead's chatter
        :return: the ``_check_access`` result: None, or the forbidden records
          and the error to raise, which names the missing permission
        """
        if records.env.su or not records:
            return result
        refused = result[0] if result else records.browse()
        forbidden_ids = []
        first_rule = None
        for record in (records - refused).sudo():
            rule = rule_of(record)
            if rule and not self._allows(rule):
                forbidden_ids.append(record.id)
                first_rule = first_rule or rule
        if not forbidden_ids:
            return result
        forbidden = records.browse(forbidden_ids)
        if result:
            return (refused | forbidden, result[1])
        return (forbidden, lambda: self._refusal(first_rule))
