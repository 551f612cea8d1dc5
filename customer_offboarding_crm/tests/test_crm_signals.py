from datetime import timedelta

from odoo import fields
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL


@tagged("post_install", "-at_install")
class TestCrmSignals(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.busy, cls.idle, cls.courted = cls.env["res.partner"].create(
            [
                {"name": f"Lead {n}", "is_company": True}
                for n in ("busy", "idle", "courted")
            ]
        )
        everyone = cls.busy | cls.idle | cls.courted
        cls.env.flush_all()
        cls.env.cr.execute(
            SQL(
                "UPDATE res_partner SET create_date = %s WHERE id = ANY(%s)",
                fields.Datetime.now() - timedelta(days=900),
                everyone.ids,
            )
        )
        cls.Rule = cls.env["customer.offboarding.rule"]

    def _rule(self, **values):
        return self.Rule.create(
            {
                "name": "CRM inactivity",
                "criterion": "inactivity",
                "days": 180,
                "source_message": False,
                "source_activity": False,
                "reason_id": self.env.ref("customer_offboarding.reason_inactivity").id,
                "scope_domain": "[('name', 'like', 'Lead ')]",
                "customers_only": False,
                "cooldown_days": 0,
                **values,
            }
        )

    def _matches(self, rule):
        return self.env["res.partner"].search(
            [("offboarding_rule_match_id", "=", rule.id)]
        )

    def _lead(self, partner, days_ago, **values):
        lead = self.env["crm.lead"].create(
            {"name": f"Deal {partner.name}", "partner_id": partner.id, **values}
        )
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE crm_lead SET write_date = %s WHERE id = %s",
                fields.Datetime.now() - timedelta(days=days_ago),
                lead.id,
            )
        )
        lead.invalidate_recordset()
        return lead

    def test_updated_leads_count_as_activity(self):
        """A lead updated 10 days ago keeps its customer active; 300 days does not."""
        self._lead(self.busy, 10, type="lead")
        self._lead(self.idle, 300, type="lead")
        rule = self._rule(source_lead=True, exempt_open_opportunities=False)
        self.assertEqual(self._matches(rule), self.idle | self.courted)

    def test_open_opportunities_exempt(self):
        """An open opportunity spares the customer; a won one does not."""
        self._lead(self.courted, 400, type="opportunity")
        won_stage = self.env["crm.stage"].search([("is_won", "=", True)], limit=1)
        self._lead(self.idle, 400, type="opportunity", stage_id=won_stage.id)
        rule = self._rule()
        self.assertEqual(self._matches(rule), self.busy | self.idle)
