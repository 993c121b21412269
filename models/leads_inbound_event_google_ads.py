from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools.translate import LazyTranslate

from ..tools import google_ads
from ..tools.webhook_payload import (
    MAX_ID,
    MAX_MESSAGE,
    MAX_SHORT,
    EventType,
    InvalidPayload,
    check_str,
)

_lt = LazyTranslate(__name__)
MAX_ANSWERS = google_ads.MAX_COLUMNS
# What the Google Ads adapter sends (controllers/google_ads.py): a lead form
# submission, or Google's test submission (stored, no lead made).
GOOGLE_ADS_EVENT_TYPES = {
    google_ads.LEAD_TYPE: EventType(
        "capture", "google_ads_form", _lt("Google Ads lead form submitted")
    ),
    google_ads.TEST_TYPE: EventType(
        "test", "google_ads_form", _lt("Google Ads test lead received")
    ),
}


class LeadsInboundEvent(models.Model):
    """Google Ads lead forms: the submissions become leads of the channel
    ``google_ads_form``; test submissions are stored and make nothing."""

    _inherit = "leads.inbound.event"

    result = fields.Selection(selection_add=[("test_event", "Test event")])

    @api.model
    def _get_event_types(self, provider):
        if provider == "google_ads":
            return GOOGLE_ADS_EVENT_TYPES
        return super()._get_event_types(provider)

    @api.model
    def _validate_provider_data(self, provider, payload):
        if provider != "google_ads":
            return super()._validate_provider_data(provider, payload)
        values = payload.get("google_ads")
        if not isinstance(values, dict):
            raise InvalidPayload("google_ads", "must be an object")
        answers = values.get("answers") or []
        if not isinstance(answers, list) or len(answers) > MAX_ANSWERS:
            raise InvalidPayload("google_ads.answers", "must be a list")
        data = {
            key: check_str(values.get(key), f"google_ads.{key}", MAX_ID)
            for key in (*google_ads.ID_KEYS, "lead_submit_time")
        }
        data["answers"] = []
        for index, answer in enumerate(answers):
            field = f"google_ads.answers[{index}]"
            if not isinstance(answer, dict):
                raise InvalidPayload(field, "must be an object")
            data["answers"].append(
                (
                    check_str(answer.get("question"), field, MAX_SHORT) or "",
                    check_str(answer.get("answer"), field, MAX_MESSAGE) or "",
                )
            )
        return {"google_ads": data}

    def _dispatch(self, data):
        if data["provider"] == "google_ads" and data["type"] == google_ads.TEST_TYPE:
            Lead = self.env["leads.lead"]
            return "test_event", Lead, self.env["res.partner"]
        return super()._dispatch(data)

    @api.model
    def _event_body(self, data):
        body = super()._event_body(data)
        if data["provider"] != "google_ads":
            return body
        values = data["google_ads"]
        for question, answer in values["answers"]:
            body += Markup("<p>%s: %s</p>") % (question, answer)
        if values["campaign_id"]:
            body += Markup("<p>%s</p>") % self.env._(
                "Campaign %(campaign)s, form %(form)s",
                campaign=values["campaign_id"],
                form=values["form_id"] or "",
            )
        return body
