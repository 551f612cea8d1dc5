from datetime import timedelta

from odoo import fields
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestDisposalMailing(TransactionCase):
    """Mailing contacts of the customer's email are anonymized with it; the
    blacklist entry stays, so the address is never mailed again."""

    def test_mailing_contacts_anonymized_blacklist_kept(self):
        self.env.company.offboarding_retention_days = 0
        customer = self.env["res.partner"].create(
            {"name": "Listed Ltd", "is_company": True, "email": "Listed@Example.com"}
        )
        other = self.env["res.partner"].create(
            {"name": "Other", "is_company": True, "email": "other@example.com"}
        )
        contact, unrelated = self.env["mailing.contact"].create(
            [
                {"name": "Listed Person", "email": "listed@example.com"},
                {"name": "Unrelated", "email": "other@example.com"},
            ]
        )
        blacklist = self.env["mail.blacklist"].create({"email": "listed@example.com"})
        trace = self.env["mailing.trace"].create(
            {"model": "mailing.contact", "res_id": contact.id, "email": contact.email}
        )
        customer.offboarding_retire(reason_code="low_value")
        self.env["customer.offboarding.case"].search(
            [("partner_id", "=", customer.id)]
        ).sudo().write({"end_date": fields.Date.today() - timedelta(days=1)})
        self.env["customer.offboarding.case"]._cron_dispose()
        self.assertFalse(contact.name or contact.email or contact.email_normalized)
        self.assertFalse(trace.email)
        self.assertEqual(
            blacklist.with_context(active_test=False).email, "listed@example.com"
        )
        self.assertTrue(blacklist.active)
        self.assertEqual(unrelated.email, "other@example.com")
        self.assertEqual(other.email, "other@example.com")
