from psycopg2.errors import UniqueViolation

from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from odoo.addons.leads_management.models.leads_action_status import contrast_ratio

from .common import LeadsCommon


@tagged("post_install", "-at_install")
class TestDefaultData(LeadsCommon):
    def test_default_stages(self):
        stages = self.env["leads.lifecycle.stage"].search(
            [
                (
                    "id",
                    "in",
                    (
                        self.stage_lead
                        | self.stage_opportunity
                        | self.stage_trash
                        | self.stage_converted
                    ).ids,
                )
            ]
        )
        self.assertEqual(
            stages.mapped("name"), ["Lead", "Opportunity", "Trash", "Converted"]
        )
        self.assertEqual(stages.mapped("fold"), [False, False, True, True])
        self.assertEqual(stages.mapped("is_converted"), [False, False, False, True])

    def test_default_action_statuses_have_distinct_readable_colours(self):
        statuses = self.env["leads.action.status"].browse(
            [
                self.env.ref(f"leads_management.leads_action_status_{xmlid}").id
                for xmlid in ("connected", "voicemail", "in_progress")
            ]
        )
        self.assertEqual(
            statuses.mapped("name"), ["Connected", "Voicemail", "In Progress"]
        )
        colours = statuses.mapped("color")
        self.assertEqual(len(set(colours)), 3)
        for status in statuses:
            self.assertGreaterEqual(
                contrast_ratio(status.color, status.text_color), 4.5, status.name
            )

    def test_builtin_channels(self):
        codes = {
            "call",
            "sms",
            "email",
            "intake_form",
            "abandoned_booking",
            "online_booking",
            "manual",
            "import",
            "google_ads_form",
        }
        channels = self.env["leads.channel"].search([("code", "in", list(codes))])
        self.assertEqual(set(channels.mapped("code")), codes)
        self.assertTrue(all(channels.mapped("is_builtin")))

    def test_default_data_is_noupdate(self):
        data = self.env["ir.model.data"].search(
            [
                ("module", "=", "leads_management"),
                (
                    "model",
                    "in",
                    ["leads.lifecycle.stage", "leads.action.status", "leads.channel"],
                ),
            ]
        )
        self.assertEqual(len(data), 4 + 3 + 9)
        self.assertTrue(all(data.mapped("noupdate")))


@tagged("post_install", "-at_install")
class TestActionStatus(LeadsCommon):
    def test_colour_must_be_hex(self):
        Status = self.env["leads.action.status"].with_user(self.manager)
        for bad in ("red", "#abc", "#GGGGGG", "123456", "#1234567", ""):
            with self.subTest(colour=bad), self.assertRaises(ValidationError):
                Status.create({"name": f"Bad {bad}", "color": bad})

    def test_colour_normalized_to_upper_case(self):
        status = (
            self.env["leads.action.status"]
            .with_user(self.manager)
            .create({"name": "Booked call", "color": " #a1b2c3 "})
        )
        self.assertEqual(status.color, "#A1B2C3")
        status.color = "#ffffff"
        self.assertEqual(status.color, "#FFFFFF")

    def test_text_colour_contrasts_with_background(self):
        Status = self.env["leads.action.status"]
        dark = Status.create({"name": "Lost", "color": "#1A237E"})
        light = Status.create({"name": "Hot", "color": "#FFF59D"})
        self.assertEqual(dark.text_color, "#FFFFFF")
        self.assertEqual(light.text_color, "#000000")
        for status in dark | light:
            self.assertGreaterEqual(
                contrast_ratio(status.color, status.text_color), 4.5
            )

    def test_status_in_use_cannot_be_deleted(self):
        status = self.env["leads.action.status"].create(
            {"name": "Booked", "color": "#FFFFFF"}
        )
        self.create_lead(action_status_id=status.id)
        with self.assertRaisesRegex(UserError, "archive it instead"):
            status.with_user(self.manager).unlink()
        status.action_archive()
        self.assertFalse(status.active)

    def test_form(self):
        with Form(self.env["leads.action.status"].with_user(self.manager)) as form:
            form.name = "Sent quote"
            form.color = "#336699"
        self.assertEqual(form.record.text_color, "#FFFFFF")


@tagged("post_install", "-at_install")
class TestChannel(LeadsCommon):
    def test_builtin_channel_cannot_be_deleted(self):
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            self.channel_call.with_user(self.manager).unlink()
        self.assertTrue(self.channel_call.exists())

    def test_builtin_channel_can_be_renamed_and_archived(self):
        channel = self.channel_call.with_user(self.manager)
        channel.name = "Phone"
        channel.action_archive()
        self.assertFalse(channel.active)
        self.assertEqual(
            self.env["leads.channel"]._get_by_code("call"), self.channel_call
        )

    def test_builtin_code_is_fixed(self):
        with self.assertRaisesRegex(UserError, "cannot change"):
            self.channel_call.with_user(self.manager).code = "phone"

    def test_custom_channel_lifecycle(self):
        Channel = self.env["leads.channel"].with_user(self.manager)
        channel = Channel.create(
            {"name": "Walk-in", "code": "walk_in", "is_builtin": True}
        )
        self.assertFalse(channel.is_builtin, "users cannot create built-in channels")
        with self.assertRaisesRegex(UserError, "cannot change"):
            channel.is_builtin = True
        channel.code = "walkin"
        channel.unlink()
        self.assertFalse(channel.exists())

    def test_code_unique_and_valid(self):
        Channel = self.env["leads.channel"].with_user(self.manager)
        for bad in ("Walk In", "1abc", "walk-in", "", "é"):
            with self.subTest(code=bad), self.assertRaises(ValidationError):
                Channel.create({"name": "Bad", "code": bad})
        with self.assertRaises(UniqueViolation), mute_logger("odoo.sql_db"):
            with self.cr.savepoint():
                Channel.create({"name": "Another call", "code": "call"})

    def test_new_channel_code_is_derived_from_its_name(self):
        Channel = self.env["leads.channel"].with_user(self.manager)
        instagram = Channel.create({"name": "Instagram DM"})
        self.assertEqual(instagram.code, "instagram_dm")
        self.assertEqual(
            Channel.create({"name": "Instagram DM"}).code, "instagram_dm_2"
        )
        self.assertEqual(Channel.create({"name": "Call"}).code, "call_2")

    def test_renaming_a_channel_keeps_its_code(self):
        channel = (
            self.env["leads.channel"]
            .with_user(self.manager)
            .create({"name": "Instagram DM"})
        )
        channel.name = "Instagram Direct"
        self.assertEqual(channel.code, "instagram_dm")

    def test_channel_form_fills_the_code_from_the_name(self):
        form = Form(self.env["leads.channel"].with_user(self.manager))
        form.name = "Café Walk-in"
        self.assertEqual(form.code, "cafe_walk_in")
        self.assertEqual(form.save().code, "cafe_walk_in")

    def test_channel_in_use_cannot_be_deleted(self):
        channel = self.env["leads.channel"].create({"name": "Flyer", "code": "flyer"})
        self.create_lead(channel_id=channel.id)
        with self.assertRaisesRegex(UserError, "archive it instead"):
            channel.with_user(self.manager).unlink()


@tagged("post_install", "-at_install")
class TestLifecycleStage(LeadsCommon):
    def test_stage_with_leads_cannot_be_deleted(self):
        stage = self.env["leads.lifecycle.stage"].create({"name": "Follow-up"})
        self.create_lead(stage_id=stage.id)
        with self.assertRaisesRegex(UserError, "still holds leads"):
            stage.with_user(self.manager).unlink()

    def test_empty_stage_can_be_deleted(self):
        stage = self.env["leads.lifecycle.stage"].create({"name": "Follow-up"})
        stage.with_user(self.manager).unlink()
        self.assertFalse(stage.exists())

    def test_pipeline_keeps_an_open_and_a_converted_stage(self):
        Stage = self.env["leads.lifecycle.stage"].with_context(active_test=False)
        converted = Stage.search([("is_converted", "=", True)])
        with self.assertRaisesRegex(
            UserError, "at least one open stage and one converted"
        ):
            converted.with_user(self.manager).unlink()
        with self.assertRaisesRegex(
            ValidationError, "Keep at least one converted stage"
        ):
            converted.with_user(self.manager).write({"is_converted": False})
        open_stages = Stage.search([("is_converted", "=", False)])
        with self.assertRaisesRegex(ValidationError, "not a converted stage"):
            open_stages.with_user(self.manager).write({"is_converted": True})

    def test_stage_with_open_leads_cannot_become_converted(self):
        self.create_lead(stage_id=self.stage_opportunity.id)
        with self.assertRaisesRegex(ValidationError, "holds leads"):
            self.stage_opportunity.with_user(self.manager).is_converted = True
