"""The back office as a user meets it: what the screens show and what the
customer is told (issue #13)."""

from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import SQL

from .common import OffboardingCommon


@tagged("post_install", "-at_install")
class TestBackOffice(OffboardingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customers.write({"email": "customer@example.com"})

    def test_the_company_itself_is_never_a_customer(self):
        """The database's companies are never candidates of a rule, and the
        public methods refuse them."""
        company_partner = self.company.partner_id
        with self.assertRaises(UserError):
            company_partner.with_user(self.manager).offboarding_flag("inactivity")
        rule = self.env["customer.offboarding.rule"].create(
            {
                "name": "Everyone",
                "criterion": "custom",
                "customers_only": False,
                "reason_id": self.env.ref("customer_offboarding.reason_other").id,
            }
        )
        matches = self.env["res.partner"].search(
            [("offboarding_rule_match_id", "=", rule.id)]
        )
        self.assertIn(self.customer, matches)
        self.assertNotIn(company_partner, matches)

    def test_an_early_retirement_ends_service_today(self):
        """Retired before the announced end: the case, the notice and the page
        say service ended today."""
        partner = self.customer.with_user(self.manager)
        end = fields.Date.context_today(partner) + timedelta(days=30)
        partner.offboarding_start("low_value", end_date=end)
        case = self.customer.offboarding_case_id
        partner.offboarding_retire()
        today = fields.Date.context_today(partner)
        self.assertEqual((case.end_date, case.retired_date), (today, today))
        retired = case.notice_ids.filtered(lambda n: n.kind == "retired")
        self.assertIn(today.strftime("%m/%d/%Y"), retired.mail_id.body_html)
        self.assertEqual(case._get_service_end(), today)

    def test_no_second_mail_for_a_retirement_announced_today(self):
        """A retirement on the day its notice announced, for today, sends no
        "has ended" mail; an early one does (the date changed)."""
        partner = self.customer.with_user(self.manager)
        today = fields.Date.context_today(partner)
        partner.offboarding_start("low_value", end_date=today)
        partner.offboarding_retire()
        kinds = self.customer.with_context(
            active_test=False
        ).offboarding_case_id.notice_ids.mapped("kind")
        self.assertEqual(kinds, ["retirement"])

    def test_starting_without_a_reason_keeps_the_case_s(self):
        """Start Offboarding with the reason left empty keeps the case's reason;
        a customer without a case needs one."""
        self._move(self.customer, "at_risk")
        self.customer.with_user(self.manager).offboarding_start(None)
        case = self.customer.offboarding_case_id
        self.assertEqual(case.reason_id.code, "inactivity")
        self.assertEqual(case.state, "retiring")
        with self.assertRaises(UserError):
            self.customers[1].with_user(self.manager).offboarding_start(None)

    def test_a_preview_that_finds_nobody_says_why(self):
        """Nobody in scope, nobody in a movable status, nobody meets the
        criterion, or everyone exempted: the preview says which."""
        Rule = self.env["customer.offboarding.rule"]
        reason = self.env.ref("customer_offboarding.reason_inactivity")

        def explain(**values):
            rule = Rule.create(
                {
                    "name": "Explain",
                    "reason_id": reason.id,
                    "customers_only": False,
                    "cooldown_days": 0,
                    **values,
                }
            )
            action = rule.action_preview()
            return self.env["customer.offboarding.preview"].browse(action["res_id"])

        nobody = explain(scope_domain="[('name', '=', 'Nobody at all')]")
        self.assertIn("No customer is in the rule's scope", nobody.explanation)
        scope = f"[('id', 'in', {self.customers.ids})]"
        recent = explain(scope_domain=scope)  # created today: not inactive
        self.assertIn("meets the criterion", recent.explanation)
        self._move(self.customers, "at_risk")
        moved = explain(scope_domain=scope, action="flag")
        self.assertIn("does not move", moved.explanation)
        found = explain(
            criterion="custom", scope_domain="[]", custom_domain=scope, action="start"
        )
        self.assertFalse(found.explanation)

    def test_a_notice_follows_its_mail(self):
        """Sent or failed, the notice's state says what happened to its mail."""
        self._move(self.customers[:2], "retiring")
        notices = (
            self.customers[:2]
            .with_context(active_test=False)
            .offboarding_case_id.notice_ids
        )
        self.assertEqual(set(notices.mapped("state")), {"queued"})
        notices[0].mail_id.write({"state": "sent"})
        notices[1].mail_id.write({"state": "exception"})
        self.assertEqual(notices.mapped("state"), ["sent", "failed"])
        action = self.env.ref("customer_offboarding.customer_offboarding_notice_action")
        self.assertNotIn("search_default", action.context or "")

    def test_the_contact_counts_cases_notices_and_requests(self):
        """Smart buttons on the contact count its offboarding records and open them."""
        self._move(self.customer, "retired")
        partner = self.customer.with_user(self.user)
        self.assertEqual(partner.offboarding_case_count, 1)
        self.assertEqual(partner.offboarding_notice_count, 1)
        self.assertEqual(self.contact.with_user(self.user).offboarding_case_count, 1)
        action = partner.action_view_offboarding_notices()
        self.assertEqual(action["res_model"], "customer.offboarding.notice")
        self.assertEqual(
            self.env[action["res_model"]].search(action["domain"]),
            self.customer.offboarding_case_id.notice_ids,
        )

    def test_statuses_are_grouped_in_lifecycle_order(self):
        """Grouped by status (kanban columns, list groups): Active, At Risk,
        Retiring, Retired, not in alphabetical order."""
        extra = self._create_customers(2, prefix="Order")
        self._move(self.customers[0], "retired")
        self._move(extra[0], "retiring")
        self._move(extra[1], "at_risk")
        groups = (
            self.env["res.partner"]
            .with_user(self.user)
            .read_group(
                [("id", "in", (self.customers | extra).ids)],
                ["offboarding_state"],
                ["offboarding_state"],
            )
        )
        self.assertEqual(
            [g["offboarding_state"] for g in groups],
            ["active", "at_risk", "retiring", "retired"],
        )

    def test_a_manual_run_reports_progress_and_tells_who_started_it(self):
        """Run Now: the run shows its progress; when done, the manager who
        pressed it is notified, and the moves are recorded as theirs."""
        self.env.flush_all()
        self.env.execute_query(
            SQL(
                "UPDATE res_partner SET create_date = %s WHERE id = ANY(%s)",
                fields.Datetime.now() - timedelta(days=400),
                self.customers.ids,
            )
        )
        rule = self.env["customer.offboarding.rule"].create(
            {
                "name": "Progress",
                "reason_id": self.env.ref("customer_offboarding.reason_inactivity").id,
                "customers_only": False,
                "cooldown_days": 0,
                "scope_domain": f"[('id', 'in', {self.customers.ids})]",
            }
        )
        action = rule.with_user(self.manager).action_run_now()
        run = self.env["customer.offboarding.run"].browse(action["res_id"])
        self.assertEqual(run.progress, 0.0)
        sent = []
        Users = type(self.env["res.users"])
        with patch.object(
            Users, "_bus_send", lambda users, kind, message, **kw: sent.append(message)
        ):
            self.env["customer.offboarding.rule"]._cron_evaluate()
        self.assertEqual((run.state, run.progress), ("done", 100.0))
        self.assertEqual(len(sent), 1)
        self.assertIn("3 customers moved", sent[0]["message"])
        events = self.env["customer.offboarding.event"].search(
            [("run_id", "=", run.id)]
        )
        self.assertEqual(events.user_id, self.manager)
        self.assertIn(run.as_of_date.strftime("%m/%d/%Y"), run.name)

    def test_run_counts_and_request_origins_read_in_the_user_s_words(self):
        """Exemptions are named (and translated), not given as codes; an
        approval is recorded with origin Reactivation Request."""
        self._move(self.customer, "retired")
        case = self.customer.with_context(active_test=False).offboarding_case_id
        request = self.env["customer.reactivation.request"]._submit(
            case, "salesperson", requester=self.user.partner_id
        )
        request.with_user(self.manager).action_approve()
        self.assertEqual(case.event_ids.sorted("id")[-1].origin, "request")
        line = self.env["customer.offboarding.run.line"].new(
            {"exemption_summary": "cooldown: 2, user: 1"}
        )
        self.assertEqual(
            line.exemption_text,
            "Reactivated or cancelled recently (cooldown): 2, "
            "Linked to an active user: 1",
        )
