from odoo.addons.mail.controllers.thread import ThreadController


class LeadsThreadController(ThreadController):
    def _prepare_message_data(self, post_data, *, thread, **kwargs):
        values = super()._prepare_message_data(post_data, thread=thread, **kwargs)
        if thread._name == "leads.lead" and kwargs.get("from_create"):
            # The route posts in sudo: the Leads permissions are checked here,
            # as the user, on what is about to be posted.
            thread._leads_check_post(values)
        return values
