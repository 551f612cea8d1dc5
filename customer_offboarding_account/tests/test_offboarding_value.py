import base64
import io
from datetime import timedelta

import openpyxl

from odoo import fields
from odoo.tests import tagged
from odoo.tools.misc import format_amount

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


def _workbook(content):
    return openpyxl.load_workbook(io.BytesIO(content))


def _rows(sheet):
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@tagged("post_install", "-at_install")
class TestOffboardingValue(AccountTestInvoicingCommon):
    """Value tiers from revenue, the credit owed to a retiring customer and the
    invoices and payments in the customer's data export."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.groups_id += cls.env.ref(
            "customer_offboarding.group_offboarding_manager"
        )
        cls.company = cls.env.company
        cls.company.write(
            {
                "email": "service@offboarding-co.example.com",
                "offboarding_tier_months": 12,
                "offboarding_tier_mid_amount": 1000.0,
                "offboarding_tier_high_amount": 10000.0,
            }
        )
        cls.today = fields.Date.today()
        cls.other = cls.setup_other_company()["company"]
        cls.at_mid, cls.below_mid, cls.at_high, cls.elsewhere = cls.env[
            "res.partner"
        ].create(
            [
                {
                    "name": f"Valued {name}",
                    "is_company": True,
                    "email": f"{name}@customer.example.com",
                }
                for name in ("at_mid", "below_mid", "at_high", "elsewhere")
            ]
        )

    def _invoice(self, partner, amount, days_ago=30, move_type="out_invoice", **kw):
        return self.init_invoice(
            move_type,
            partner=partner,
            invoice_date=self.today - timedelta(days=days_ago),
            amounts=[amount],
            taxes=[],
            post=True,
            **kw,
        )

    def _pay(self, moves):
        return (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=moves.ids)
            .create({})
            ._create_payments()
        )

    def _tier(self, partner, company=None):
        return partner.with_company(company or self.company).offboarding_tier

    def _case(self, partner):
        partner.offboarding_flag("low_value")
        return partner.with_company(self.company).offboarding_case_id

    # ------------------------------------------------------------------
    # Value tiers
    # ------------------------------------------------------------------

    def test_tiers_at_the_thresholds(self):
        """Revenue at the mid threshold is mid, a cent below is low, at the high
        threshold is high; older invoices and another company's do not count."""
        other = self.other
        self._invoice(self.at_mid, 1200)
        self._invoice(self.at_mid, 200, move_type="out_refund")
        self._invoice(self.below_mid, 999.99)
        self._invoice(self.below_mid, 5000, days_ago=400)  # before the period
        self._invoice(self.at_high, 10000)
        self._invoice(self.elsewhere, 50, days_ago=10)
        self._invoice(self.elsewhere, 20000, company=other)
        partners = self.at_mid | self.below_mid | self.at_high | self.elsewhere
        Tier = self.env["customer.offboarding.tier"]
        changed = Tier._compute_partners(self.company, partners)
        self.assertEqual(changed, 4)
        self.assertEqual(
            [self._tier(p) for p in partners], ["mid", "low", "high", "low"]
        )
        self.assertEqual(Tier._compute_partners(self.company, partners), 0)
        # The other company sees its own revenue only.
        Tier.sudo()._compute_partners(other, partners.sudo())
        self.assertEqual(self._tier(self.elsewhere, other), "high")
        self.assertEqual(self._tier(self.at_high, other), "low")

    def test_tier_cron_ranges_cover_customers_only(self):
        """The id-range SQL lists customers (ranked or invoiced) of the company,
        not contacts nor partners of another company."""
        contact = self.env["res.partner"].create(
            {"name": "Valued contact", "parent_id": self.at_mid.id}
        )
        foreign = self.env["res.partner"].create(
            {
                "name": "Valued foreign",
                "customer_rank": 1,
                "company_id": self.other.id,
            }
        )
        self._invoice(contact, 1500)
        ids = (self.at_mid | self.below_mid | contact | foreign).ids
        revenue = self.env["customer.offboarding.tier"]._revenue_sql(
            self.company, self.today - timedelta(days=365), min(ids), max(ids) + 1
        )
        rows = dict(self.env.execute_query(revenue))
        self.assertEqual(rows, {self.at_mid.id: 1500})

    def test_manual_override_wins_until_cleared(self):
        """An override wins over revenue and survives a recomputation; clearing
        it brings the computed tier back."""
        self._invoice(self.at_mid, 1000)
        Tier = self.env["customer.offboarding.tier"]
        Tier._compute_partners(self.company, self.at_mid)
        self.assertEqual(self._tier(self.at_mid), "mid")
        self.at_mid.offboarding_tier_override = "high"
        self.assertEqual(self._tier(self.at_mid), "high")
        Tier._compute_partners(self.company, self.at_mid)
        Tier.sudo().with_company(self.company)._compute_range(
            self.company, 0, self.at_mid.id + 1
        )
        self.assertEqual(self._tier(self.at_mid), "high")
        self.at_mid.offboarding_tier_override = False
        self.assertEqual(self._tier(self.at_mid), "mid")

    # ------------------------------------------------------------------
    # Credit owed to the customer
    # ------------------------------------------------------------------

    def test_credit_balance_is_in_the_retirement_notice(self):
        """A posted credit note not yet refunded is money the company owes: the
        case shows it and the retirement notice states it."""
        self._invoice(self.at_mid, 300, move_type="out_refund")
        self._invoice(self.below_mid, 100)  # the customer owes: nothing to refund
        self.at_mid.offboarding_start("low_value")
        case = self.at_mid.with_company(self.company).offboarding_case_id
        self.assertEqual(case.credit_balance, 300)
        self.below_mid.offboarding_flag("low_value")
        self.assertEqual(
            self.below_mid.with_company(
                self.company
            ).offboarding_case_id.credit_balance,
            0,
        )
        notice = self.env["customer.offboarding.notice"].search(
            [("case_id", "=", case.id), ("kind", "=", "retirement")]
        )
        self.assertEqual(notice.state, "queued")
        body = notice.mail_id.body_html
        amount = format_amount(self.env, 300, self.company.currency_id)
        self.assertIn(amount, body)
        self.assertIn("We will refund it to you", body)

    def test_no_credit_section_without_credit(self):
        self._invoice(self.at_mid, 300)
        self.at_mid.offboarding_start("low_value")
        notice = self.env["customer.offboarding.notice"].search(
            [("partner_id", "=", self.at_mid.id), ("kind", "=", "retirement")]
        )
        self.assertNotIn("We will refund it to you", notice.mail_id.body_html)

    # ------------------------------------------------------------------
    # Exports
    # ------------------------------------------------------------------

    def test_customer_export_has_invoices_and_payments(self):
        """The customer's file lists their posted invoices, credit notes and
        payments of this company, nothing of other customers."""
        invoice = self._invoice(self.at_mid, 1000, days_ago=40)
        refund = self._invoice(self.at_mid, 250, days_ago=20, move_type="out_refund")
        self._invoice(self.below_mid, 700)  # someone else's
        payment = self._pay(invoice)
        case = self._case(self.at_mid)
        content, filename = case._offboarding_export_xlsx()
        self.assertTrue(filename.endswith(".xlsx"))
        book = _workbook(content)
        self.assertIn("Invoices", book.sheetnames)
        self.assertIn("Payments", book.sheetnames)
        currency = self.company.currency_id.name

        invoices = _rows(book["Invoices"])
        self.assertEqual(
            invoices[0],
            [
                "Number",
                "Invoice Date",
                "Due Date",
                "Type",
                "Untaxed Amount",
                "Total",
                "Amount Due",
                "Currency",
                "Payment Status",
            ],
        )
        self.assertEqual(len(invoices), 3)
        first, second = invoices[1:]
        self.assertEqual(first[0], invoice.name)
        self.assertEqual(first[1].date(), invoice.invoice_date)
        self.assertEqual(first[2].date(), invoice.invoice_date_due)
        self.assertEqual(first[3:6], ["Invoice", 1000, 1000])
        self.assertFalse(first[6])  # fully paid
        self.assertEqual(first[7], currency)
        self.assertIn(first[8], ("Paid", "In Payment"))
        self.assertEqual(second[0], refund.name)
        self.assertEqual(second[3:8], ["Credit Note", 250, 250, 250, currency])
        self.assertEqual(second[8], "Not Paid")

        payments = _rows(book["Payments"])
        self.assertEqual(
            payments[0],
            ["Date", "Number", "Memo", "Amount", "Currency", "Journal", "Type"],
        )
        self.assertEqual(len(payments), 2)
        row = payments[1]
        self.assertEqual(row[0].date(), payment.date)
        self.assertEqual(row[1], payment.name)
        self.assertEqual(
            row[3:7], [1000, currency, payment.journal_id.name, "Paid by you"]
        )

    def test_internal_export_shows_revenue_and_last_invoice(self):
        """The managers' export has the revenue of the period and counts the
        last invoice as activity."""
        self._invoice(self.at_mid, 1500, days_ago=10)
        self._invoice(self.at_mid, 400, days_ago=60)
        self._invoice(self.at_mid, 100, days_ago=30, move_type="out_refund")
        self._invoice(self.below_mid, 9000, days_ago=500)
        action = self.env["customer.offboarding.export"].action_export_partners(
            (self.at_mid | self.below_mid).ids
        )
        wizard_id = int(action["url"].split("/")[4])
        wizard = self.env["customer.offboarding.export"].browse(wizard_id)
        rows = _rows(_workbook(base64.b64decode(wizard.file))["Customers"])
        header = rows[0]
        revenue_col = header.index("Revenue (12 months)")
        activity_col = header.index("Last Activity")
        by_name = {row[0]: row for row in rows[1:]}
        self.assertEqual(by_name["Valued at_mid"][revenue_col], 1800)
        self.assertEqual(
            by_name["Valued at_mid"][activity_col].date(),
            self.today - timedelta(days=10),
        )
        # Revenue zero in the period (a blank cell) and an old invoice.
        self.assertFalse(by_name["Valued below_mid"][revenue_col])
        self.assertEqual(
            by_name["Valued below_mid"][activity_col].date(),
            self.today - timedelta(days=500),
        )
