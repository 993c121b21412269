from lxml import etree

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import sql

from .common import LeadsCommon


class LeadsFieldCommon(LeadsCommon):
    """Custom fields change the registry: reset it after every test."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        groups = "base.group_user,leads_management.group_lead_fields_%s"
        cls.fields_viewer = new_test_user(
            cls.env, login="fields_viewer", groups=groups % "access"
        )
        cls.fields_editor = new_test_user(
            cls.env, login="fields_editor", groups=groups % "edit"
        )
        cls.fields_deleter = new_test_user(
            cls.env, login="fields_deleter", groups=groups % "delete"
        )

    def setUp(self):
        # Registered before super().setUp(): runs after the test's rollback.
        self.addCleanup(self._reset_registry)
        super().setUp()

    def _reset_registry(self):
        self.registry.registry_invalidated = True
        self.registry.reset_changes()
        self.registry.clear_all_caches()

    def create_field(self, label, user=None, **vals):
        env = self.env(user=user) if user else self.env
        return env["leads.field"].create(dict(vals, name=label))

    def get_arch(self, view_type):
        arch = self.env["leads.lead"].get_view(view_type=view_type)["arch"]
        return etree.fromstring(arch)


@tagged("post_install", "-at_install")
class TestLeadsField(LeadsFieldCommon):
    def test_create_makes_a_real_manual_field(self):
        field = self.create_field("Pet Name")
        self.assertEqual(field.field_name, "x_pet_name")
        self.assertEqual(field.field_id.model, "leads.lead")
        self.assertEqual(field.field_id.name, "x_pet_name")
        self.assertEqual(field.field_id.state, "manual")
        self.assertEqual(field.field_id.ttype, "char")
        self.assertEqual(field.field_id.field_description, "Pet Name")
        self.assertTrue(sql.column_exists(self.env.cr, "leads_lead", "x_pet_name"))
        lead = self.create_lead(x_pet_name="Rex")
        lead.invalidate_recordset()
        self.assertEqual(lead.x_pet_name, "Rex")
        self.assertEqual(lead.read(["x_pet_name"])[0]["x_pet_name"], "Rex")

    def test_every_type(self):
        values = {
            "char": "Rex",
            "text": "Line 1\nLine 2",
            "integer": 7,
            "float": 12.5,
            "boolean": True,
            "date": "2026-01-31",
            "datetime": "2026-01-31 10:00:00",
            "selection": "dog",
        }
        lead = self.create_lead()
        for ftype, value in values.items():
            with self.subTest(ftype=ftype):
                field = self.create_field(
                    f"My {ftype}",
                    field_type=ftype,
                    selection_options="Dog\nCat" if ftype == "selection" else False,
                )
                self.assertEqual(field.field_id.ttype, ftype)
                lead.write({field.field_name: value})
                self.assertTrue(lead[field.field_name])

    def test_empty_numbers_read_blank_not_zero(self):
        self.create_field("Pets", field_type="integer")
        self.create_field("Weight", field_type="float")
        empty = self.create_lead(name="No numbers")
        zero = self.create_lead(name="Zero", x_pets=0, x_weight=0.0)
        some = self.create_lead(name="Some", x_pets=2, x_weight=12.5)
        Lead = self.env["leads.lead"].with_user(self.manager)
        spec = {"name": {}, "x_pets": {}, "x_weight": {}}
        records = Lead.browse((empty | zero | some).ids).web_read(spec)
        self.assertEqual(
            [(r["name"], r["x_pets"], r["x_weight"]) for r in records],
            [("No numbers", False, False), ("Zero", 0, 0.0), ("Some", 2, 12.5)],
        )
        listed = Lead.web_search_read(
            [("id", "=", empty.id)], {"x_pets": {}, "x_weight": {}}
        )["records"]
        self.assertEqual(listed, [{"id": empty.id, "x_pets": False, "x_weight": False}])

    def test_default_name_is_unique_and_ascii(self):
        first = self.create_field("Nom de l'animal (ça)")
        self.assertEqual(first.field_name, "x_nom_de_l_animal_ca")
        second = self.create_field("Nom de l animal ca")
        self.assertEqual(second.field_name, "x_nom_de_l_animal_ca_2")
        self.assertEqual(self.create_field("犬の名前").field_name, "x_field")

    def test_form_shows_fields_in_configured_order(self):
        weight = self.create_field("Weight", field_type="float", sequence=20)
        pet = self.create_field("Pet Name", sequence=10)
        arch = self.get_arch("form")
        group = arch.xpath(
            "//group[@name='lead_details_group']/group[@name='lead_custom_fields']"
        )
        self.assertEqual(len(group), 1)
        self.assertEqual(group[0].get("string"), "More Details")
        names = [node.get("name") for node in group[0].iter("field")]
        self.assertEqual(names, ["x_pet_name", "x_weight"])
        # Reordering (the handle in Fields Management) reorders the form.
        weight.sequence = 5
        names = [node.get("name") for node in self.get_arch("form").iter("field")]
        self.assertLess(names.index("x_weight"), names.index(pet.field_name))
        # The list offers them as optional columns.
        columns = self.get_arch("list").xpath("//field[@name='x_weight']")
        self.assertEqual(columns[0].get("optional"), "hide")

    def test_filter_and_group_by(self):
        self.create_field(
            "Species", field_type="selection", selection_options="Dog\nCat"
        )
        self.create_field("Vaccinated", field_type="boolean")
        self.create_field("Birthday", field_type="date")
        arch = self.get_arch("search")
        self.assertTrue(arch.xpath("//field[@name='x_species']"))
        for fname in ("x_species", "x_vaccinated", "x_birthday"):
            groupby = arch.xpath(f"//filter[@name='groupby_{fname}']")
            self.assertEqual(len(groupby), 1, fname)
            self.assertIn(f"'group_by': '{fname}'", groupby[0].get("context"))
        self.assertTrue(arch.xpath("//filter[@name='filter_x_vaccinated']"))
        self.assertEqual(
            arch.xpath("//filter[@name='filter_x_birthday']")[0].get("date"),
            "x_birthday",
        )
        self.create_field("Weight", field_type="integer")
        self.create_field("Notes", field_type="text")
        arch = self.get_arch("search")
        self.assertTrue(arch.xpath("//filter[@name='groupby_x_weight']"))
        for fname, label in (("x_weight", "Weight"), ("x_notes", "Notes")):
            is_set = arch.xpath(f"//filter[@name='filter_{fname}']")[0]
            self.assertEqual(is_set.get("string"), f"{label} is set")
            self.assertEqual(is_set.get("domain"), repr([(fname, "!=", False)]))
        self.create_lead(
            name="Dog owner", x_species="dog", x_vaccinated=True, x_weight=12
        )
        self.create_lead(name="Cat owner", x_species="cat", phone="+1 415 555 0199")
        Lead = self.env["leads.lead"]
        self.assertEqual(Lead.search([("x_weight", "!=", False)]).name, "Dog owner")
        weights = Lead.formatted_read_group(
            [("name", "in", ["Dog owner", "Cat owner"])], ["x_weight"], ["__count"]
        )
        self.assertEqual(
            {group["x_weight"]: group["__count"] for group in weights},
            {12: 1, False: 1},
        )
        self.assertEqual(Lead.search([("x_species", "=", "dog")]).name, "Dog owner")
        self.assertEqual(Lead.search([("x_vaccinated", "=", True)]).name, "Dog owner")
        groups = Lead.formatted_read_group(
            [("x_species", "!=", False)], ["x_species"], ["__count"]
        )
        counts = {group["x_species"]: group["__count"] for group in groups}
        self.assertEqual(counts, {"dog": 1, "cat": 1})

    def test_import_and_export(self):
        self.create_field("Pet Name")
        self.create_field("Weight", field_type="integer")
        Lead = self.env["leads.lead"].with_context(
            allowed_company_ids=self.company_a.ids
        )
        result = Lead.load(
            ["name", "phone", "x_pet_name", "x_weight"],
            [["Imported Lead", "+1 415 555 0150", "Rex", "12"]],
        )
        self.assertFalse(result["messages"], result["messages"])
        lead = Lead.browse(result["ids"])
        self.assertEqual((lead.x_pet_name, lead.x_weight), ("Rex", 12))
        exported = lead.export_data(["name", "x_pet_name", "x_weight"])["datas"]
        self.assertEqual(exported, [["Imported Lead", "Rex", 12]])
        # Offered to the export dialog like any field.
        fields_info = Lead.fields_get(["x_pet_name"], ["exportable", "string"])
        self.assertEqual(fields_info["x_pet_name"]["string"], "Pet Name")
        self.assertTrue(fields_info["x_pet_name"]["exportable"])

    def test_rename_label(self):
        field = self.create_field("Pet Name", help="The pet's name")
        field.write({"name": "Animal Name", "help": "Name of the pet"})
        self.assertEqual(field.field_id.field_description, "Animal Name")
        self.assertEqual(field.field_id.help, "Name of the pet")
        self.assertEqual(
            self.env["leads.lead"]._fields["x_pet_name"].string, "Animal Name"
        )
        self.assertEqual(field.field_name, "x_pet_name")

    def test_technical_name_is_immutable(self):
        field = self.create_field("Pet Name")
        with self.assertRaises(UserError):
            field.field_name = "x_other"
        field.write({"field_name": "x_pet_name"})  # unchanged: fine

    def test_type_change_refused_when_data_would_be_lost(self):
        field = self.create_field("Vaccinated", field_type="boolean")
        lead = self.create_lead(x_vaccinated=True)
        with self.assertRaisesRegex(UserError, "1 lead"):
            field.field_type = "date"
        self.assertEqual(self.env["leads.lead"]._fields["x_vaccinated"].type, "boolean")
        lead.x_vaccinated = False
        field.field_type = "date"
        self.assertEqual(field.field_id.ttype, "date")
        self.assertEqual(self.env["leads.lead"]._fields["x_vaccinated"].type, "date")
        # Still on the form, still usable.
        self.assertTrue(self.get_arch("form").xpath("//field[@name='x_vaccinated']"))
        lead.x_vaccinated = "2026-02-01"
        self.assertEqual(str(lead.x_vaccinated), "2026-02-01")

    def test_type_change_keeps_values_when_safe(self):
        field = self.create_field("Weight", field_type="integer")
        lead = self.create_lead(x_weight=12)
        # Staff's favourite and export template on the field stay with it.
        favourite = self.env["ir.filters"].create(
            {
                "name": "Heavy",
                "model_id": "leads.lead",
                "domain": "[('x_weight', '!=', False)]",
            }
        )
        export = self.env["ir.exports"].create(
            {
                "name": "Weights",
                "resource": "leads.lead",
                "export_fields": [Command.create({"name": "x_weight"})],
            }
        )
        field.field_type = "float"
        self.assertEqual(field.field_id.ttype, "float")
        lead.invalidate_recordset()
        self.assertEqual(lead.x_weight, 12.0)
        field.field_type = "char"
        lead.invalidate_recordset()
        self.assertEqual(lead.x_weight, "12")
        self.assertTrue(favourite.exists())
        self.assertEqual(export.export_fields.mapped("name"), ["x_weight"])
        self.assertEqual(
            self.env["leads.lead"].search_count(favourite._get_eval_domain()), 1
        )
        with self.assertRaises(UserError):
            field.field_type = "integer"

    def test_selection_options(self):
        with self.assertRaises(ValidationError):
            self.create_field("Species", field_type="selection")
        with self.assertRaises(ValidationError):
            self.create_field(
                "Species", field_type="selection", selection_options="Dog\ndog"
            )
        field = self.create_field(
            "Species", field_type="selection", selection_options="Dog\nCat\nÉlan"
        )
        Lead = self.env["leads.lead"]
        self.assertEqual(
            Lead._fields["x_species"].selection,
            [("dog", "Dog"), ("cat", "Cat"), ("elan", "Élan")],
        )
        lead = self.create_lead(x_species="cat")
        # Adding and reordering keep the existing keys, so values stay valid.
        field.selection_options = "Bird\nCat\nDog\nÉlan"
        self.assertEqual(
            Lead._fields["x_species"].selection,
            [("bird", "Bird"), ("cat", "Cat"), ("dog", "Dog"), ("elan", "Élan")],
        )
        lead.invalidate_recordset()
        self.assertEqual(lead.x_species, "cat")
        # An unused option can go, a used one cannot.
        field.selection_options = "Bird\nCat\nDog"
        with self.assertRaisesRegex(UserError, "Cat"):
            field.selection_options = "Bird\nDog"
        self.assertIn(("cat", "Cat"), Lead._fields["x_species"].selection)

    def test_delete_drops_field_data_and_view_entries(self):
        pet = self.create_field("Pet Name")
        self.create_field("Pet Name Extra")
        lead = self.create_lead(x_pet_name="Rex")
        Filters = self.env["ir.filters"]
        favourites = Filters.create(
            [
                {
                    "name": "Rex",
                    "model_id": "leads.lead",
                    "domain": "[('x_pet_name', '=', 'Rex')]",
                },
                {
                    "name": "By pet",
                    "model_id": "leads.lead",
                    "context": "{'group_by': ['x_pet_name']}",
                    "user_ids": [self.manager.id],
                },
                {
                    "name": "Sorted",
                    "model_id": "leads.lead",
                    "sort": '["x_pet_name desc"]',
                },
                {
                    "name": "Other field",
                    "model_id": "leads.lead",
                    "domain": "[('x_pet_name_extra', '=', 'Rex')]",
                },
            ]
        )
        export = self.env["ir.exports"].create(
            {
                "name": "Pets",
                "resource": "leads.lead",
                "export_fields": [
                    Command.create({"name": "name"}),
                    Command.create({"name": "x_pet_name"}),
                ],
            }
        )
        technical_field = pet.field_id
        pet.unlink()
        self.assertEqual(export.export_fields.mapped("name"), ["name"])
        self.assertFalse(technical_field.exists())
        self.assertNotIn("x_pet_name", self.env["leads.lead"]._fields)
        self.assertFalse(sql.column_exists(self.env.cr, "leads_lead", "x_pet_name"))
        self.assertTrue(lead.exists())
        self.assertEqual(favourites.exists().mapped("name"), ["Other field"])
        for view_type in ("form", "list", "search", "kanban", "pivot", "graph"):
            arch = self.env["leads.lead"].get_view(view_type=view_type)["arch"]
            self.assertNotIn('"x_pet_name"', arch)
        self.assertIn("x_pet_name_extra", self.get_arch("form").xpath("//@name"))
        # The dashboard still loads its data.
        self.env["leads.lead"].web_search_read([], {"name": {}, "x_pet_name_extra": {}})

    def test_delete_warns_how_many_leads_lose_a_value(self):
        pet = self.create_field("Pet Name")
        self.create_lead(x_pet_name="Rex")
        self.create_lead(x_pet_name="Bella", company=self.company_b)
        self.create_lead(name="No pet")
        self.assertEqual(pet.with_user(self.fields_deleter).lead_value_count, 2)
        arch = etree.fromstring(
            self.env["leads.field"]
            .with_user(self.fields_deleter)
            .get_views([(False, "form"), (False, "list")])["views"]["form"]["arch"]
        )
        [button] = arch.xpath("//button[@name='action_delete_field']")
        self.assertIn("erases its value on every lead", button.get("confirm"))
        self.assertEqual(arch.get("delete"), "0")
        action = pet.with_user(self.fields_deleter).action_delete_field()
        self.assertEqual(action["res_model"], "leads.field")
        self.assertFalse(pet.exists())

    def test_delete_last_field_leaves_valid_views(self):
        self.create_field("Pet Name").unlink()
        self.assertFalse(
            self.get_arch("form").xpath("//group[@name='lead_custom_fields']")
        )
        for xmlid in (
            "leads_lead_view_form_custom_fields",
            "leads_lead_view_list_custom_fields",
            "leads_lead_view_search_custom_fields",
        ):
            self.env.ref(f"leads_management.{xmlid}")._check_xml()

    def test_invalid_names_refused(self):
        self.create_field("Pet Name")
        invalid = [
            "pet_name",  # no x_ prefix
            "x_",  # nothing after the prefix
            "x_Pet",  # upper case
            "x_pet name",  # space
            "x_pet-name",  # dash
            "x_café",  # non-ASCII
            "x_" + "a" * 62,  # longer than a PostgreSQL identifier
            "x_pet_name",  # already taken
        ]
        for name in invalid:
            with self.subTest(name=name), self.assertRaises(ValidationError):
                self.create_field(f"Label {len(name)} {name}", field_name=name)
        self.assertTrue(self.create_field("Long", field_name="x_" + "a" * 61))

    def test_duplicate_label_refused(self):
        self.create_field("Pet Name")
        with self.assertRaises(ValidationError):
            self.create_field("pet name", field_name="x_other")
        with self.assertRaises(ValidationError):
            self.create_field("Lead Name")  # a standard lead field's label


@tagged("post_install", "-at_install", "security")
class TestLeadsFieldAccess(LeadsFieldCommon):
    def test_plain_internal_user_cannot_read(self):
        self.create_field("Pet Name")
        with self.assertRaises(AccessError):
            self.env(user=self.internal_user)["leads.field"].search([]).read(["name"])

    def test_access_group_reads_only(self):
        field = self.create_field("Pet Name")
        Fields = self.env(user=self.fields_viewer)["leads.field"]
        self.assertEqual(Fields.search([]).mapped("name"), ["Pet Name"])
        with self.assertRaises(AccessError):
            Fields.create({"name": "Other"})
        with self.assertRaises(AccessError):
            field.with_user(self.fields_viewer).name = "Renamed"
        with self.assertRaises(AccessError):
            field.with_user(self.fields_viewer).unlink()
        self.assertNotIn("x_other", self.env["leads.lead"]._fields)

    def test_access_group_opens_fields_management(self):
        field = self.create_field("Pet Name")
        Fields = self.env(user=self.fields_viewer)["leads.field"]
        views = Fields.get_views([(False, "list"), (False, "form"), (False, "search")])
        self.assertIn("field_name", views["models"]["leads.field"]["fields"])
        spec = {
            "name": {},
            "field_name": {},
            "field_type": {},
            "field_id": {"fields": {"display_name": {}}},
        }
        [values] = field.with_user(self.fields_viewer).web_read(spec)
        self.assertEqual(values["field_name"], "x_pet_name")
        self.assertEqual(values["field_id"]["id"], field.field_id.id)

    def test_copy(self):
        copy = self.create_field("Pet Name", user=self.fields_editor).copy()
        self.assertEqual(copy.name, "Pet Name (copy)")
        self.assertEqual(copy.field_name, "x_pet_name_copy")
        self.assertEqual(copy.field_id.sudo().name, "x_pet_name_copy")

    def test_edit_group_creates_and_edits_but_cannot_delete(self):
        self.assertFalse(self.fields_editor._is_admin())
        field = self.create_field(
            "Species",
            user=self.fields_editor,
            field_type="selection",
            selection_options="Dog\nCat",
        )
        self.assertEqual(field.field_id.sudo().state, "manual")
        field.write({"name": "Animal", "selection_options": "Dog\nCat\nBird"})
        field.field_type = "char"
        self.assertEqual(self.env["leads.lead"]._fields["x_species"].string, "Animal")
        with self.assertRaises(AccessError):
            field.unlink()
        self.assertIn("x_species", self.env["leads.lead"]._fields)

    def test_delete_group_deletes(self):
        self.assertFalse(self.fields_deleter._is_admin())
        field = self.create_field("Pet Name", user=self.fields_deleter)
        favourite = self.env["ir.filters"].create(
            {
                "name": "Rex",
                "model_id": "leads.lead",
                "domain": "[('x_pet_name', '=', 'Rex')]",
                "user_ids": [self.manager.id],
            }
        )
        field.unlink()
        self.assertFalse(favourite.exists())
        self.assertNotIn("x_pet_name", self.env["leads.lead"]._fields)

    def test_menu_visible_to_fields_users_only(self):
        menu = self.env.ref("leads_management.leads_field_menu")
        stages = self.env.ref("leads_management.leads_lifecycle_stage_menu")
        Menu = self.env["ir.ui.menu"]
        visible = Menu.with_user(self.fields_viewer)._visible_menu_ids()
        self.assertIn(menu.id, visible)
        self.assertNotIn(stages.id, visible)
        self.assertNotIn(
            menu.id, Menu.with_user(self.internal_user)._visible_menu_ids()
        )

    def test_custom_fields_are_manual_fields(self):
        # Integrations (import wizard, webhook) write custom values by name.
        self.create_field("Pet Name")
        lead = self.create_lead(user=self.manager, x_pet_name="Rex")
        self.assertEqual(lead.x_pet_name, "Rex")
        manual = self.env["ir.model.fields"].search(
            [("model", "=", "leads.lead"), ("state", "=", "manual")]
        )
        self.assertEqual(manual.mapped("name"), ["x_pet_name"])


@tagged("post_install", "-at_install", "leads_tour")
class TestLeadsFieldTour(HttpCase, LeadsFieldCommon):
    def test_field_tour(self):
        admin = self.env.ref("base.user_admin")
        admin.write(
            {"company_ids": [(4, self.company_a.id)], "company_id": self.company_a.id}
        )
        lead = self.create_lead(name="Tour Field Lead")
        self.start_tour(
            "/odoo/action-leads_management.leads_field_action",
            "leads_management_field_tour",
            login="admin",
        )
        field = self.env["leads.field"].search([("field_name", "=", "x_pet_breed")])
        self.assertEqual(field.field_id.state, "manual")
        self.assertEqual(lead.x_pet_breed, "Labrador")
