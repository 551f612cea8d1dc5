from datetime import timedelta

from odoo import fields
from odoo.tests import tagged
from odoo.tools import SQL

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


@tagged("post_install", "-at_install")
class TestInvoiceSignals(AccountTestInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.groups_id += cls.env.ref(
            "customer_offboarding.group_offboarding_manager"
        )
        cls.today = fields.Date.today()
        cls.good, cls.weak = cls.env["res.partner"].create(
            [
                {"name": f"Invoiced {name}", "is_company": True}
                for name in ("good", "weak")
            ]
        )
        cls.env.flush_all()
        cls.env.cr.execute(
            SQL(
                "UPDATE res_partner SET create_date = %s WHERE id = ANY(%s)",
                fields.Datetime.now() - timedelta(days=900),
                (cls.good | cls.weak).ids,
            )
        )
        cls.scope = "[('name', 'like', 'Invoiced ')]"

    def _invoice(self, partner, days_ago, amount, move_type="out_invoice", paid=True):
        move = self.init_invoice(
            move_type,
            partner=partner,
            invoice_date=self.today - timedelta(days=days_ago),
            amounts=[amount],
            post=True,
        )
        if paid:
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=move.ids
            ).create({})._create_payments()
        return move

    def _rule(self, **values):
        return self.env["customer.offboarding.rule"].create(
            {
                "name": "Invoice rule",
                "reason_id": self.env.ref("customer_offboarding.reason_low_value").id,
                "scope_domain": self.scope,
                "cooldown_days": 0,
                "days": 365,
                **values,
            }
        )

    def _matches(self, rule):
        return self.env["res.partner"].search(
            [("offboarding_rule_match_id", "=", rule.id)]
        )

    def test_low_value_below_the_amount_over_the_period(self):
        """Revenue net of refunds below the threshold matches; above does not."""
        self._invoice(self.good, 30, 2000)
        self._invoice(self.weak, 30, 900)
        self._invoice(self.weak, 400, 5000)  # before the period
        self._invoice(self.good, 20, 500, move_type="out_refund")
        rule = self._rule(criterion="low_value", threshold_amount=1000)
        self.assertEqual(self._matches(rule), self.weak)

    def test_declining_purchases_compares_with_the_period_before(self):
        """A 60% drop matches a 50% threshold; a 40% drop does not."""
        self._invoice(self.weak, 200, 1000)
        self._invoice(self.weak, 50, 400)
        self._invoice(self.good, 200, 1000)
        self._invoice(self.good, 50, 600)
        rule = self._rule(
            criterion="declining_purchases", days=100, threshold_percent=50
        )
        self.assertEqual(self._matches(rule), self.weak)

    def test_high_cost_by_refund_share_or_count(self):
        """Refunds at 30% of invoiced match 25%; a count threshold also matches."""
        self._invoice(self.weak, 40, 1000)
        self._invoice(self.weak, 30, 300, move_type="out_refund")
        self._invoice(self.good, 40, 1000)
        self._invoice(self.good, 30, 100, move_type="out_refund")
        rule = self._rule(
            criterion="high_cost", threshold_percent=25, threshold_count=0
        )
        self.assertEqual(self._matches(rule), self.weak)
        by_count = self._rule(
            criterion="high_cost", threshold_percent=100, threshold_count=1
        )
        self.assertEqual(self._matches(by_count), self.weak | self.good)

    def test_invoices_count_as_activity(self):
        """With invoices as a source, a 10-day-old invoice keeps the customer active."""
        self._invoice(self.good, 10, 100)
        self._invoice(self.weak, 200, 100)
        rule = self._rule(
            criterion="inactivity",
            days=180,
            source_invoice=True,
            source_message=False,
            source_activity=False,
        )
        self.assertEqual(self._matches(rule), self.weak)

    def test_unpaid_invoices_exempt_and_preview_shows_revenue(self):
        """A customer with an unpaid invoice is exempted; the preview sums revenue."""
        self._invoice(self.good, 30, 300, paid=False)
        self._invoice(self.weak, 30, 200)
        rule = self._rule(criterion="low_value", threshold_amount=1000)
        self.assertEqual(self._matches(rule), self.weak)
        preview = self.env["customer.offboarding.preview"].create({"rule_id": rule.id})
        preview._count_matches()
        self.assertEqual((preview.matched_count, preview.actionable_count), (2, 1))
        self.assertIn("1", preview.exemption_summary)
        self.assertTrue(preview.revenue_available)
        self.assertAlmostEqual(preview.revenue_at_stake, 200)

    def test_run_moves_low_value_customers(self):
        """A run flags the matching customers with the rule's reason."""
        self._invoice(self.weak, 30, 200)
        self._invoice(self.good, 30, 5000)
        rule = self._rule(criterion="low_value", threshold_amount=1000)
        rule.action_run_now()
        self.env["customer.offboarding.rule"]._cron_evaluate()
        self.assertEqual(self.weak.offboarding_state, "at_risk")
        self.assertEqual(self.good.offboarding_state, "active")
        self.assertEqual(self.weak.offboarding_case_id.reason_id, rule.reason_id)
