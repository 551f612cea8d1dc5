from lxml import etree

from odoo.tests import tagged

from .common import OffboardingCommon


@tagged("post_install", "-at_install")
class TestUi(OffboardingCommon):
    def _arch(self, user, view_type, model="res.partner"):
        views = self.env[model].with_user(user).get_views([(False, view_type)])
        return etree.fromstring(views["views"][view_type]["arch"])

    def test_partner_form_shows_status_bar_and_buttons_by_group(self):
        """Managers see every transition button, users only theirs, others none."""
        manager_form = self._arch(self.manager, "form")
        buttons = set(manager_form.xpath("//header/button/@name"))
        self.assertTrue(
            {
                "action_offboarding_flag",
                "action_offboarding_start",
                "action_offboarding_retire",
                "action_offboarding_archive",
                "action_offboarding_reactivate",
                "action_offboarding_cancel",
            }
            <= buttons
        )
        self.assertTrue(
            manager_form.xpath(
                "//field[@name='offboarding_state'][@widget='statusbar']"
            )
        )
        user_buttons = set(self._arch(self.user, "form").xpath("//header/button/@name"))
        self.assertIn("action_offboarding_flag", user_buttons)
        self.assertNotIn("action_offboarding_archive", user_buttons)
        plain_form = self._arch(self.plain_user, "form")
        self.assertFalse(plain_form.xpath("//field[@name='offboarding_state']"))

    def test_partner_search_offers_status_filters_and_group_by(self):
        """The contacts search view filters and groups by offboarding status."""
        search = self._arch(self.user, "search")
        names = set(search.xpath("//filter/@name"))
        self.assertTrue(
            {
                "offboarding_at_risk",
                "offboarding_retiring",
                "offboarding_retired",
                "offboarding_archived",
                "group_by_offboarding_state",
            }
            <= names
        )
        self.assertTrue(
            self._arch(self.user, "list").xpath("//field[@name='offboarding_state']")
        )
        self.assertTrue(
            self._arch(self.user, "kanban").xpath("//field[@name='offboarding_state']")
        )

    def test_kanban_group_by_status_counts_each_state(self):
        """Grouping contacts by status (as the kanban and list do) counts each state."""
        self._move(self.customers[0], "at_risk")
        self._move(self.customers[1], "retired")
        groups = (
            self.env["res.partner"]
            .with_user(self.user)
            .web_read_group(
                [("id", "in", self.customers.ids)],
                ["offboarding_state"],
                ["offboarding_state"],
            )["groups"]
        )
        counted = {g["offboarding_state"]: g["offboarding_state_count"] for g in groups}
        self.assertEqual(counted, {"active": 1, "at_risk": 1, "retired": 1})

    def test_menus_actions_have_help_and_open(self):
        """Every offboarding menu opens an action with a no-content help."""
        root = self.env.ref("customer_offboarding.customer_offboarding_menu_root")
        menus = self.env["ir.ui.menu"].search(
            [("id", "child_of", root.id), ("action", "!=", False)]
        )
        self.assertGreaterEqual(len(menus), 8)
        for menu in menus:
            action = menu.action
            with self.subTest(menu=menu.name):
                if (
                    action._name == "ir.actions.act_window"
                    and action.res_model != "res.config.settings"
                ):
                    self.assertTrue(action.help)
                    model = self.env[action.res_model].with_user(self.manager)
                    for view_type in action.view_mode.split(","):
                        model.get_views([(False, view_type)])
                    model.search([], limit=1)
