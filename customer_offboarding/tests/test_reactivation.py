import uuid
from unittest.mock import patch

from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import OffboardingCommon


@tagged("post_install", "-at_install")
class TestReactivation(OffboardingCommon):
    """Requests from the customer, the salesperson or new activity; approval
    routed by tier; restore; welcome back; cooldown."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Request = cls.env["customer.reactivation.request"]
        cls.company.write(
            {"offboarding_manager_id": cls.manager.id, "offboarding_cooldown_days": 90}
        )
        for partner in cls.customers:
            partner.email = f"{partner.id}@customer.example.com"

    def _ask(self, partner, user=None, message="Please keep them"):
        wizard = (
            self.env["customer.reactivation.request.wizard"]
            .with_user(user or self.user)
            .create({"partner_ids": [(6, 0, partner.ids)], "message": message})
        )
        action = wizard.action_submit()
        return self.Request.search(action["domain"])

    def _case(self, partner):
        return (
            self.env["customer.offboarding.case"]
            .with_context(active_test=False)
            .search([("partner_id", "=", partner.id)], order="id desc", limit=1)
        )

    def test_salesperson_request_is_reviewed_and_approval_restores(self):
        """Approval restores exactly what offboarding archived, says welcome back."""
        self.customer.offboarding_tier_override = "mid"
        self._move(self.customer, "archived")
        self.assertFalse(self.contact.active)
        request = self._ask(self.customer)
        self.assertEqual((request.source, request.state), ("salesperson", "submitted"))
        self.assertEqual(request.requester_id, self.user.partner_id)
        self.assertTrue(request.activity_ids, "an approver has a review activity")
        request.with_user(self.user).action_approve()
        self.assertEqual(request.state, "approved")
        self.assertEqual(request.decided_uid, self.user)
        self.assertEqual(self._states(self.customer), {"active"})
        self.assertTrue(self.customer.active)
        self.assertTrue(self.contact.active)
        case = self._case(self.customer)
        self.assertEqual(case.state, "reactivated")
        welcome = case.notice_ids.filtered(lambda n: n.kind == "welcome_back")
        self.assertEqual(welcome.state, "queued")
        self.assertFalse(request.activity_ids)

    def test_high_tier_approval_needs_a_manager(self):
        self.customer.offboarding_tier_override = "high"
        self._move(self.customer, "retired")
        request = self._ask(self.customer)
        self.assertEqual(request.tier, "high")
        with self.assertRaises(AccessError):
            request.with_user(self.user).action_approve()
        self.assertEqual(request.state, "submitted")
        self.assertEqual(self._states(self.customer), {"retired"})
        request.with_user(self.manager).action_approve()
        self.assertEqual(self._states(self.customer), {"active"})

    def test_request_during_notice_period_calls_it_off_as_reactivated(self):
        self._move(self.customer, "retiring")
        request = self._ask(self.customer)
        request.with_user(self.manager).action_approve()
        self.assertEqual(self._states(self.customer), {"active"})
        self.assertEqual(self._case(self.customer).state, "reactivated")

    def test_refusal_needs_a_note_and_tells_the_requester(self):
        self._move(self.customer, "retired")
        request = self._ask(self.customer)
        with self.assertRaises(UserError):
            request.with_user(self.manager).action_refuse()
        request.with_user(self.manager).action_refuse(note="Contract ended for good.")
        self.assertEqual(request.state, "refused")
        self.assertEqual(request.decision_note, "Contract ended for good.")
        self.assertEqual(self._states(self.customer), {"retired"})
        message = request.message_ids.filtered(
            lambda m: "Contract ended for good." in (m.body or "")
        )
        self.assertIn(self.user.partner_id, message.partner_ids)
        with self.assertRaises(UserError):
            request.with_user(self.manager).action_approve()

    def test_auto_approval_for_mid_and_low_but_never_high(self):
        self.company.offboarding_auto_approve = True
        low, high = self.customers[1:3]
        low.offboarding_tier_override = "low"
        high.offboarding_tier_override = "high"
        self._move(low | high, "retired")
        low_request = self._ask(low)
        high_request = self._ask(high)
        self.assertEqual(low_request.state, "approved")
        self.assertEqual(self._states(low), {"active"})
        self.assertEqual(high_request.state, "submitted")
        self.assertEqual(self._states(high), {"retired"})

    def test_one_request_under_review_per_case(self):
        self._move(self.customer, "retired")
        first = self._ask(self.customer)
        second = self._ask(self.customer)
        self.assertFalse(second)
        self.assertEqual(
            self.Request.search_count([("partner_id", "=", self.customer.id)]), 1
        )
        with (
            self.assertRaises(IntegrityError),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            self.Request.create(
                {
                    "partner_id": self.customer.id,
                    "case_id": first.case_id.id,
                    "source": "customer",
                }
            )

    def _receive(self, email_from, thread=None, subject="Again"):
        """A mail received through Odoo's mail gateway (as fetchmail does)."""
        raw = (
            f"From: {email_from}\r\n"
            "To: sales@example.com\r\n"
            f"Subject: {subject}\r\n"
            f"Message-ID: <{uuid.uuid4()}@example.com>\r\n"
            "Date: Tue, 01 Dec 2026 09:00:00 +0000\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n"
            "Can we work together again?\r\n"
        )
        return self.env["mail.thread"].message_process(
            "res.partner", raw.encode(), thread_id=(thread or self.customers[2]).id
        )

    def test_inbound_email_opens_an_automatic_request(self):
        """A retired customer writing to us opens one request; active ones none."""
        retired, active = self.customers[1:3]
        retired.email = "retired@example.com"
        active.email = "active@example.com"
        self._move(retired, "retired")
        for partner in (retired, retired, active):
            self._receive(f"{partner.name} <{partner.email}>", thread=partner)
        requests = self.Request.search([("partner_id", "in", (retired | active).ids)])
        self.assertEqual(requests.partner_id, retired)
        self.assertEqual((requests.source, requests.state), ("automatic", "submitted"))
        self.assertEqual(requests.trigger, "Inbound email")
        self.assertFalse(requests.requester_id, "the customer did not ask")

    def test_inbound_email_from_an_archived_customer_is_matched_by_address(self):
        """The gateway matches active partners only: an archived customer is
        found by its address."""
        self._move(self.customer, "archived")
        self._receive(f"Old Friend <{self.customer.email}>")
        request = self.Request.search([("partner_id", "=", self.customer.id)])
        self.assertEqual(request.source, "automatic")

    def test_a_forged_inbound_email_opens_no_request(self):
        """A message of type email posted over RPC by a user, with the customer as
        author, is not the customer writing: no request, even with auto-approval."""
        self.company.offboarding_auto_approve = True
        self._move(self.customer, "retired")
        plain = self.plain_user
        self.customer.with_user(plain).message_post(
            body="I never wrote this",
            message_type="email",
            author_id=self.customer.id,
        )
        # Nor through the gateway called by a user who is no administrator.
        raw = (
            f"From: {self.customer.email}\r\nTo: sales@example.com\r\n"
            f"Message-ID: <{uuid.uuid4()}@example.com>\r\nSubject: x\r\n\r\nhi\r\n"
        )
        self.env["mail.thread"].with_user(plain).message_process(
            "res.partner", raw.encode(), thread_id=self.customers[2].id
        )
        self.assertFalse(self.Request.search([("partner_id", "=", self.customer.id)]))
        self.assertEqual(self._states(self.customer), {"retired"})

    def test_a_failing_automatic_request_never_fails_the_incoming_mail(self):
        """An error while opening the request is logged; the mail is kept."""
        self._move(self.customer, "retired")
        Request = type(self.Request)
        with (
            patch.object(Request, "_submit", side_effect=UserError("broken")),
            mute_logger("odoo.addons.customer_offboarding.models.res_partner"),
        ):
            self._receive(f"Old Friend <{self.customer.email}>", subject="Kept")
        self.assertTrue(
            self.env["mail.message"].search([("subject", "=", "Kept")]),
            "the mail came in",
        )
        self.assertFalse(self.Request.search([("partner_id", "=", self.customer.id)]))

    def test_cooldown_keeps_rules_away_after_reactivation(self):
        """After a reactivation no rule flags the customer for the cooldown days,
        even a rule without its own cooldown."""
        self._move(self.customer, "retired")
        self._ask(self.customer).with_user(self.manager).action_approve()
        rule = self.env["customer.offboarding.rule"].create(
            {
                "name": "Everyone",
                "criterion": "custom",
                "custom_domain": f"[('id', 'in', {self.customers.ids})]",
                "scope_domain": "[]",
                "cooldown_days": 0,
                "customers_only": False,
                "reason_id": self.env.ref("customer_offboarding.reason_other").id,
            }
        )
        run = self.env["customer.offboarding.run"].sudo()._start(rule, "manual")
        run._execute()
        self.assertEqual(self._states(self.customer), {"active"})
        self.assertEqual(self._states(self.customers[1:]), {"at_risk"})
        self.assertIn("cooldown: 1", run.line_ids.exemption_summary)

    def test_plain_users_cannot_ask(self):
        self._move(self.customer, "retired")
        with self.assertRaises(AccessError):
            self._ask(self.customer, user=self.plain_user)

    def test_bad_decision_notes_are_refused_and_nothing_changes(self):
        """Called over RPC with a note that is not text: a clear error, no change."""
        self._move(self.customer, "retired")
        request = self._ask(self.customer)
        for method in ("action_approve", "action_refuse"):
            with self.assertRaises(UserError):
                getattr(request.with_user(self.manager), method)(note={"x": 1})
        self.assertEqual(request.state, "submitted")
        self.assertEqual(self._states(self.customer), {"retired"})
