from datetime import timedelta

from odoo import fields
from odoo.tests import TransactionCase, tagged

from odoo.addons.mail.tests.common import MockEmail


@tagged("post_install", "-at_install")
class TestMailingSignals(TransactionCase, MockEmail):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.quiet, cls.talker, cls.loyal = cls.env["res.partner"].create(
            [
                {
                    "name": f"Mailed {n}",
                    "is_company": True,
                    "email": f"{n}@mail.example",
                }
                for n in ("quiet", "talker", "loyal")
            ]
        )
        cls.mailing = cls.env["mailing.mailing"].create(
            {
                "subject": "News",
                "body_html": "<p>News</p>",
                "mailing_model_id": cls.env.ref("base.model_res_partner").id,
            }
        )
        cls.now = fields.Datetime.now()

    def _rule(self, **values):
        return self.env["customer.offboarding.rule"].create(
            {
                "name": "Mailing rule",
                "reason_id": self.env.ref("customer_offboarding.reason_no_response").id,
                "scope_domain": "[('name', 'like', 'Mailed ')]",
                "customers_only": False,
                "cooldown_days": 0,
                **values,
            }
        )

    def _matches(self, rule):
        return self.env["res.partner"].search(
            [("offboarding_rule_match_id", "=", rule.id)]
        )

    def _traces(self, partner, count, replied=False):
        self.env["mailing.trace"].create(
            [
                {
                    "model": "res.partner",
                    "res_id": partner.id,
                    "mass_mailing_id": self.mailing.id,
                    "email": partner.email,
                    "trace_status": "reply" if replied else "sent",
                    "sent_datetime": self.now - timedelta(days=5),
                    "reply_datetime": (self.now - timedelta(days=2))
                    if replied
                    else False,
                }
                for _i in range(count)
            ]
        )

    def test_mailings_count_as_sent_and_replies_as_responses(self):
        """3 unanswered mailings match No Response; a reply or 2 mailings do not."""
        self._traces(self.quiet, 3)
        self._traces(self.talker, 3, replied=True)
        self._traces(self.loyal, 2)
        rule = self._rule(criterion="no_response", days=30, threshold_count=3)
        self.assertEqual(self._matches(rule), self.quiet)

    def test_mailings_really_sent_count_once(self):
        """Mailings sent by Email Marketing count as sent mails, once each."""
        domain = repr([("id", "in", (self.quiet | self.loyal).ids)])
        for _i in range(3):
            mailing = self.mailing.copy({"mailing_domain": domain})
            with self.mock_mail_gateway(mail_unlink_sent=True):
                mailing.action_send_mail()
        traces = self.env["mailing.trace"].search([("res_id", "=", self.quiet.id)])
        self.assertEqual(set(traces.mapped("trace_status")), {"sent"})
        rule = self._rule(criterion="no_response", days=30, threshold_count=3)
        self.assertEqual(self._matches(rule), self.quiet | self.loyal)
        rule.threshold_count = 4
        self.assertFalse(self._matches(rule), "three mailings are three mails")

    def test_opted_out_of_every_list_is_unsubscribed(self):
        """Opted out of all its lists matches; still subscribed to one does not."""
        lists = self.env["mailing.list"].create([{"name": "A"}, {"name": "B"}])
        Contact = self.env["mailing.contact"]
        gone = Contact.create({"name": "Quiet", "email": self.quiet.email})
        half = Contact.create({"name": "Loyal", "email": self.loyal.email})
        self.env["mailing.subscription"].create(
            [
                {"contact_id": gone.id, "list_id": lists[0].id, "opt_out": True},
                {"contact_id": gone.id, "list_id": lists[1].id, "opt_out": True},
                {"contact_id": half.id, "list_id": lists[0].id, "opt_out": True},
                {"contact_id": half.id, "list_id": lists[1].id, "opt_out": False},
            ]
        )
        rule = self._rule(criterion="unsubscribed")
        self.assertEqual(self._matches(rule), self.quiet)
