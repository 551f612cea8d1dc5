from datetime import timedelta

from odoo import fields
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestDisposalLeads(TransactionCase):
    """Leads keep their pipeline figures, not their copies of the customer."""

    def test_leads_forget_the_customer(self):
        self.env.company.offboarding_retention_days = 0
        customer = self.env["res.partner"].create(
            {
                "name": "Lead Customer",
                "is_company": True,
                "email": "lead@example.com",
                "phone": "+32 2 555 03 03",
                "street": "3 Pipeline Road",
            }
        )
        lead = self.env["crm.lead"].create(
            {
                "name": "Renewal",
                "partner_id": customer.id,
                "contact_name": "Mr. Pipe",
                "expected_revenue": 1200.0,
            }
        )
        other = self.env["crm.lead"].create(
            {"name": "Other", "email_from": "keep@example.com"}
        )
        by_email = self.env["crm.lead"].create(
            {
                "name": "Inbound",
                "email_from": "Lead@Example.com",
                "description": "<p>Call Mr. Pipe at home</p>",
            }
        )
        self.assertEqual(lead.email_from, "lead@example.com")
        customer.offboarding_retire(reason_code="low_value")
        self.env["customer.offboarding.case"].search(
            [("partner_id", "=", customer.id)]
        ).sudo().write({"end_date": fields.Date.today() - timedelta(days=1)})
        self.env["customer.offboarding.case"]._cron_dispose()
        for name in ("contact_name", "partner_name", "email_from", "phone", "street"):
            self.assertFalse(lead[name], name)
        self.assertEqual((lead.name, lead.expected_revenue), ("Renewal", 1200.0))
        self.assertEqual(lead.partner_id, customer)
        self.assertEqual(other.email_from, "keep@example.com")
        self.assertFalse(by_email.email_from or by_email.description)
