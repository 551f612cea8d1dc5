"""Browser tours of the back office journeys (see
static/tests/tours/customer_offboarding_journeys_tour.js): the status wizard
from the contacts list, Ask to Reactivate on a contact, a rule from preview to
run to undo, and (customer_offboarding_disposal_tour.js) a legal hold then
Anonymize Now on a case. They need Chromium and pytest-odoo's --odoo-http, as the other
tours."""

from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged
from odoo.tools import SQL


@tagged("post_install", "-at_install")
class TestJourneys(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.env.ref("base.user_admin")
        cls.company = cls.admin.company_id
        cls.Partner = cls.env["res.partner"].with_context(tracking_disable=True)

    def _customers(self, *names):
        return self.Partner.create(
            [
                {"name": name, "is_company": True, "company_id": self.company.id}
                for name in names
            ]
        )

    def _state(self, partner):
        return partner.with_company(self.company).offboarding_state

    def test_status_wizard_from_the_contacts_list(self):
        """Select two contacts, Actions › Change Offboarding Status: flagged."""
        first, second = self._customers("Journey Alpha Ltd", "Journey Beta Ltd")
        self.start_tour(
            "/odoo/contacts", "customer_offboarding_list_wizard_tour", login="admin"
        )
        self.assertEqual([self._state(first), self._state(second)], ["at_risk"] * 2)
        events = self.env["customer.offboarding.event"].search(
            [("partner_id", "in", (first | second).ids)]
        )
        self.assertEqual(events.mapped("user_id"), self.admin)

    def test_ask_to_reactivate_from_the_contact(self):
        """Ask to Reactivate on a retired customer opens a request."""
        (retired,) = self._customers("Journey Retired Ltd")
        retired.with_user(self.admin).offboarding_retire(reason_code="low_value")
        self.start_tour(
            f"/odoo/contacts/{retired.id}",
            "customer_offboarding_ask_reactivate_tour",
            login="admin",
        )
        request = self.env["customer.reactivation.request"].search(
            [("partner_id", "=", retired.id)]
        )
        self.assertEqual(
            (request.source, request.state, request.message),
            ("salesperson", "submitted", "They signed a new contract"),
        )

    def test_a_rule_from_preview_to_run_to_undo(self):
        """Preview a rule, run it now, then undo the finished run."""
        customers = self._customers("Journey Old One Ltd", "Journey Old Two Ltd")
        self.env.flush_all()
        self.env.execute_query(
            SQL(
                "UPDATE res_partner SET create_date = %s WHERE id = ANY(%s)",
                fields.Datetime.now() - timedelta(days=400),
                customers.ids,
            )
        )
        rule = self.env["customer.offboarding.rule"].create(
            {
                "name": "Journey rule",
                "criterion": "inactivity",
                "days": 180,
                "customers_only": False,
                "cooldown_days": 0,
                "scope_domain": "[('name', 'like', 'Journey Old')]",
                "reason_id": self.env.ref("customer_offboarding.reason_inactivity").id,
            }
        )
        self.start_tour(
            "/odoo/action-customer_offboarding.customer_offboarding_rule_action",
            "customer_offboarding_rule_tour",
            login="admin",
        )
        run = self.env["customer.offboarding.run"].search(
            [("line_ids.rule_id", "=", rule.id)]
        )
        self.assertEqual(
            (run.trigger, run.state, run.user_id), ("manual", "running", self.admin)
        )
        # The scheduled action processes the run (as the scheduler would).
        self.env["customer.offboarding.rule"]._cron_evaluate()
        self.assertEqual(run.state, "done")
        self.assertEqual({self._state(p) for p in customers}, {"at_risk"})
        moves = self.env["customer.offboarding.event"].search([("run_id", "=", run.id)])
        self.assertEqual(moves.user_id, self.admin, "done by who pressed Run Now")
        self.start_tour(
            f"/odoo/action-customer_offboarding.customer_offboarding_run_action/{run.id}",
            "customer_offboarding_undo_tour",
            login="admin",
        )
        self.assertEqual({self._state(p) for p in customers}, {"active"})
        self.assertTrue(run.undone_date)

    def test_legal_hold_then_anonymize_from_the_case(self):
        """On a retired customer's case: hold, release, Anonymize Now."""
        (customer,) = self._customers("Journey Disposal Ltd")
        customer.write({"email": "disposal@journey.example.com", "phone": "555"})
        customer.with_user(self.admin).offboarding_retire(reason_code="low_value")
        case = customer.with_company(self.company).offboarding_case_id
        self.start_tour(
            f"/odoo/action-customer_offboarding.customer_offboarding_case_action/{case.id}",
            "customer_offboarding_disposal_tour",
            login="admin",
        )
        self.env.invalidate_all()
        tracked = case.message_ids.tracking_value_ids.filtered(
            lambda t: t.field_id.name == "legal_hold"
        )
        self.assertEqual(
            sorted(tracked.mapped("new_value_integer")), [0, 1], "held, then released"
        )
        self.assertEqual(case.state, "anonymized")
        self.assertFalse(case.legal_hold)
        event = case.event_ids.filtered(lambda e: e.to_state == "anonymized")
        self.assertEqual(
            (event.origin, event.user_id, event.note),
            ("manual", self.admin, "Erasure request by phone"),
        )
        self.assertEqual(customer.name, f"Anonymized #{customer.id}")
        self.assertFalse(customer.email or customer.phone or customer.active)
