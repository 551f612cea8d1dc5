from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL


class CustomerOffboardingDemo(models.AbstractModel):
    """Demo data only: a history for the demo customers (called from the demo
    data file; private, so no RPC caller reaches it)."""

    _name = "customer.offboarding.demo"
    _description = "Customer Offboarding Demo History"

    @api.model
    def _age_partners(self, partner_ids, created_days_ago):
        """Date the creation of these partners (and their contacts) in the past."""
        self.env.flush_all()
        self.env.execute_query(
            SQL(
                """
                UPDATE res_partner SET create_date = %(date)s
                 WHERE commercial_partner_id = ANY(%(ids)s)
                """,
                date=fields.Datetime.now() - timedelta(days=created_days_ago),
                ids=list(partner_ids),
            )
        )
        self.env["res.partner"].invalidate_model(["create_date"])

    @api.model
    def _write_history(self, partner_id, days_ago_list, subject, activity=None):
        """Messages the customer wrote to us, dated ``days_ago_list`` days ago;
        with ``activity`` (an activity type's xml id), activities done on the
        customer instead, as Odoo logs them."""
        now = fields.Datetime.now()
        values = {
            "model": "res.partner",
            "res_id": partner_id,
            "author_id": partner_id,
            "message_type": "email",
            "subtype_id": self.env.ref("mail.mt_comment").id,
        }
        if activity:
            values.update(
                author_id=self.env.ref("base.partner_admin").id,
                message_type="notification",
                subtype_id=self.env.ref("mail.mt_activities").id,
                mail_activity_type_id=self.env.ref(activity).id,
            )
        self.env["mail.message"].create(
            [
                {
                    **values,
                    "subject": subject,
                    "body": subject,
                    "date": now - timedelta(days=days),
                }
                for days in days_ago_list
            ]
        )

    @api.model
    def _run_rules(self, rule_ids):
        """A finished run of these rules, as Run Now and the scheduler make it."""
        rules = self.env["customer.offboarding.rule"].browse(rule_ids)
        for run in self.env["customer.offboarding.run"]._start(rules, "manual"):
            run._execute()

    @api.model
    def _backdate(self, model, record_ids, field, days_ago):
        """Move a date of demo records (an order's date, once confirmed) back."""
        Model = self.env[model]
        Model.flush_model([field])
        self.env.execute_query(
            SQL(
                "UPDATE %s SET %s = %s WHERE id = ANY(%s)",
                SQL.identifier(Model._table),
                SQL.identifier(Model._fields[field].name),
                fields.Datetime.now() - timedelta(days=days_ago),
                list(record_ids),
            )
        )
        Model.invalidate_model([field])

    @api.model
    def _compute_tiers(self, partner_ids):
        """The value tiers of these customers, computed from their revenue."""
        self.env["customer.offboarding.tier"]._compute_partners(
            self.env.company, self.env["res.partner"].browse(partner_ids)
        )
