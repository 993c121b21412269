from odoo.addons.mail.controllers.thread import ThreadController


class LeadsThreadController(ThreadController):
    def _prepare_message_data(self, post_data, *, thread, **kwargs):
        if thread._name != "leads.lead":
            return super()._prepare_message_data(post_data, thread=thread, **kwargs)
        # Addresses without a contact (the lead's own, typed ones) are written
        # to as addresses: Odoo would make contacts of them.
        emails = post_data.get("partner_emails")
        post_data = {k: v for k, v in post_data.items() if k != "partner_emails"}
        values = super()._prepare_message_data(post_data, thread=thread, **kwargs)
        if kwargs.get("from_create"):
            if emails:
                values["outgoing_email_to"] = thread._leads_email_to(emails)
            # The route posts in sudo: the Leads permissions are checked here,
            # as the user, on what is about to be posted.
            thread._leads_check_post(values)
        return values
