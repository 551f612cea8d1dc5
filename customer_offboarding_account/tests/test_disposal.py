from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


@tagged("post_install", "-at_install")
class TestDisposalKeepsAccounting(AccountTestInvoicingCommon):
    """What the law keeps: posted invoices stay whole, with the tax id and the
    bank account they show; a customer with no posted document keeps neither."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.groups_id += cls.env.ref(
            "customer_offboarding.group_offboarding_manager"
        )
        cls.env.company.offboarding_retention_days = 30
        Partner = cls.env["res.partner"]
        cls.invoiced, cls.draft_only = Partner.create(
            [
                {
                    "name": f"Disposed {name}",
                    "is_company": True,
                    "vat": "BE0477472701",
                    "email": f"{name}@customer.example.com",
                    "street": "1 Tax Street",
                    "company_id": cls.env.company.id,
                }
                for name in ("invoiced", "draft_only")
            ]
        )
        Bank = cls.env["res.partner.bank"]
        cls.used_bank = Bank.create(
            {"acc_number": "BE71096123456769", "partner_id": cls.invoiced.id}
        )
        cls.spare_bank = Bank.create(
            {"acc_number": "BE68539007547034", "partner_id": cls.invoiced.id}
        )
        cls.invoice = cls.init_invoice(
            "in_invoice", partner=cls.invoiced, amounts=[100.0], post=False
        )
        cls.invoice.partner_bank_id = cls.used_bank
        cls.invoice.action_post()
        cls.draft = cls.init_invoice(
            "out_invoice", partner=cls.draft_only, amounts=[50.0], post=False
        )

    def _dispose(self, partners):
        partners.offboarding_retire(reason_code="low_value")
        end = fields.Date.today() - timedelta(days=31)
        self.env["customer.offboarding.case"].search(
            [("partner_id", "in", partners.ids)]
        ).sudo().write({"end_date": end})
        self.env["customer.offboarding.case"]._cron_dispose()

    def test_posted_documents_keep_their_tax_id_and_bank_account(self):
        # The bill as the vendor (our customer) sent it: the document's own.
        sent = self.invoice.message_post(
            body="Our bill for March",
            author_id=self.invoiced.id,
            message_type="email",
            attachments=[("bill.pdf", b"%PDF bill")],
        )
        shown = self.invoice.invoice_partner_display_name
        total = self.invoice.amount_total
        self._dispose(self.invoiced | self.draft_only)
        self.assertEqual(self.invoiced.name, f"Anonymized #{self.invoiced.id}")
        self.assertFalse(self.invoiced.email or self.invoiced.street)
        # The posted bill: untouched, with what it legally carries.
        self.assertEqual(self.invoice.state, "posted")
        self.assertEqual(self.invoice.partner_id, self.invoiced)
        self.assertEqual(self.invoice.invoice_partner_display_name, shown)
        self.assertEqual(self.invoice.amount_total, total)
        self.assertEqual(self.invoiced.vat, "BE0477472701")
        self.assertTrue(self.used_bank.exists())
        self.assertEqual(sent.body, "<p>Our bill for March</p>")
        self.assertEqual(sent.attachment_ids.mapped("name"), ["bill.pdf"])
        self.assertFalse(self.spare_bank.exists())
        # No posted document: the tax id goes; the draft stays a draft.
        self.assertFalse(self.draft_only.vat)
        self.assertEqual(self.draft.state, "draft")
