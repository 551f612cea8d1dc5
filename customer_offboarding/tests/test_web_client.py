"""Every action, form and wizard of the suite, opened the way the web client
opens it: ``get_views`` with the action's views, ``onchange`` with the form's
field spec (Odoo's ``Form`` test helper sends the same calls), then save, as an
offboarding user and as a manager. A crash of the web client's first call
(a wizard default it cannot read, a button context naming a field the form
lacks) fails here."""

from lxml import etree

from odoo.tests import Form, tagged
from odoo.tools.safe_eval import safe_eval
from odoo.tools.view_validation import get_expression_field_names

from .common import OffboardingCommon

# Names a view expression may use besides the fields of its view.
EXPRESSION_NAMES = {"uid", "context", "active_id", "active_ids", "id", "parent"}
VIEW_TAGS = ("list", "form", "kanban")


@tagged("post_install", "-at_install")
class TestWebClient(OffboardingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._move(cls.customers[1], "retired")
        cls._move(cls.customers[2], "at_risk")
        cls.reason = cls.env.ref("customer_offboarding.reason_inactivity")

    def _actions(self):
        """Window actions of the addon (menus, list actions, wizards)."""
        data = self.env["ir.model.data"].search(
            [
                ("module", "=", "customer_offboarding"),
                ("model", "=", "ir.actions.act_window"),
            ]
        )
        return self.env["ir.actions.act_window"].browse(data.mapped("res_id"))

    def test_every_view_of_every_action_opens_for_users_and_managers(self):
        """get_views of each action's view modes answers for both roles, and
        the records of each list are read with the list's field spec."""
        for user in (self.user, self.manager):
            for action in self._actions():
                model = self.env[action.res_model].with_user(user)
                if not model.has_access("read"):
                    continue
                modes = [(False, mode) for mode in action.view_mode.split(",")]
                with self.subTest(user=user.login, action=action.name):
                    views = model.get_views(modes)["views"]
                    if "list" in views and model._name != "res.config.settings":
                        arch = etree.fromstring(views["list"]["arch"])
                        spec = {name: {} for name in arch.xpath("//field/@name")}
                        model.web_search_read([], spec, limit=5)

    def test_expressions_of_views_name_fields_of_the_view(self):
        """Button contexts and visibility expressions only use fields present in
        their view (the web client evaluates them on the record)."""
        views = self.env["ir.ui.view"].search(
            [("model_data_id.module", "in", ("customer_offboarding",))]
        )
        models = {model for model in views.mapped("model") if model} | {"res.partner"}
        for user in (self.user, self.manager):
            for model_name in sorted(models):
                model = self.env[model_name].with_user(user)
                if not model.has_access("read"):
                    continue
                for view_type in ("form", "list", "kanban"):
                    try:
                        arch = model.get_views([(False, view_type)])["views"][
                            view_type
                        ]["arch"]
                    except (KeyError, ValueError):
                        continue
                    self._check_expressions(user, model_name, view_type, arch)

    def _check_expressions(self, user, model_name, view_type, arch):
        root = etree.fromstring(arch)

        def owner(node):
            """The view element whose record an expression of ``node`` reads:
            the closest list, form or kanban around it (a sub-view's)."""
            for ancestor in node.iterancestors():
                if ancestor.tag in VIEW_TAGS:
                    return ancestor
            return root

        available = {}
        for field in root.iter("field"):
            available.setdefault(owner(field), set()).add(field.get("name"))
        for node in root.iter():
            if not isinstance(node.tag, str):
                continue
            for attribute in ("context", "invisible", "readonly", "required"):
                expression = node.get(attribute)
                if not expression or expression in ("1", "0", "True", "False"):
                    continue
                names = {
                    name
                    for name in get_expression_field_names(expression)
                    if name not in EXPRESSION_NAMES and not name.startswith("parent.")
                }
                with self.subTest(
                    user=user.login,
                    view=f"{model_name} {view_type}",
                    node=node.get("name") or node.tag,
                    attribute=attribute,
                ):
                    self.assertLessEqual(
                        names, available.get(owner(node), set()), expression
                    )

    def test_the_status_wizard_from_a_contacts_list(self):
        """Actions › Change Offboarding Status with contacts selected: the
        web client's first onchange reads the customers, then the wizard
        applies the move to their companies."""
        contact = self.contact  # a contact of customers[0]
        action = self.env.ref(
            "customer_offboarding.customer_offboarding_transition_action"
        )
        context = {
            **safe_eval(action.context or "{}"),
            "active_model": "res.partner",
            "active_ids": [contact.id, self.customers[0].id],
            "active_id": contact.id,
        }
        wizard = self.env["customer.offboarding.transition"].with_user(self.user)
        with Form(wizard.with_context(**context)) as form:
            form.operation = "flag"
            self.assertEqual(form.partner_ids[:], self.customers[0])
            form.reason_id = self.reason
        form.record.action_confirm()
        self.assertEqual(self._states(self.customers[0]), {"at_risk"})

    def test_the_buttons_of_a_contact_open_their_wizards(self):
        """Each status button of the contact form opens a wizard that opens and
        saves as the web client does; Ask to Reactivate too."""
        cases = (
            (self.customers[0], "action_offboarding_flag", self.user),
            (self.customers[2], "action_offboarding_start", self.manager),
            (self.customers[2], "action_offboarding_retire", self.manager),
            (self.customers[1], "action_offboarding_archive", self.manager),
            (self.customers[1], "action_offboarding_reactivate", self.manager),
            (self.customers[2], "action_offboarding_cancel", self.user),
        )
        for partner, button, user in cases:
            with self.subTest(button=button):
                action = getattr(partner.with_user(user), button)()
                Wizard = self.env[action["res_model"]].with_user(user)
                with Form(Wizard.with_context(**action["context"])) as form:
                    if "reason_id" in form._view["fields"] and form.operation == "flag":
                        form.reason_id = self.reason
                self.assertTrue(form.record.partner_ids)
        ask = self.env.ref(
            "customer_offboarding.customer_reactivation_request_wizard_action"
        )
        form_arch = etree.fromstring(
            self.customers[1]
            .with_user(self.user)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        button = form_arch.xpath(f"//button[@name='{ask.id}']")
        self.assertTrue(button, "Ask to Reactivate is on the contact form")
        self.assertIn("commercial_partner_id", form_arch.xpath("//field/@name"))
        Wizard = self.env["customer.reactivation.request.wizard"].with_user(self.user)
        with Form(
            Wizard.with_context(default_partner_ids=[self.customers[1].id])
        ) as form:
            form.message = "They called back"
        form.record.action_submit()
        request = self.env["customer.reactivation.request"].search(
            [("partner_id", "=", self.customers[1].id)]
        )
        self.assertEqual(request.source, "salesperson")

    def test_forms_of_records_open_and_save(self):
        """A case (its note), a rule and a reason open and save as a manager."""
        case = self.customers[1].with_context(active_test=False).offboarding_case_id
        with Form(case.with_user(self.manager)) as form:
            form.note = "Called twice"
        self.assertEqual(case.note, "Called twice")
        Rule = self.env["customer.offboarding.rule"].with_user(self.manager)
        with Form(Rule) as form:
            form.name = "Web client rule"
            form.reason_id = self.reason
        rule = form.record
        self.assertTrue(rule.id)
        with Form(rule) as form:
            form.days = 200
        self.assertEqual(rule.days, 200)
        Reason = self.env["customer.offboarding.reason"].with_user(self.manager)
        with Form(Reason) as form:
            form.name = "Merged"
            form.code = "merged_web"
        self.assertTrue(form.record.id)
