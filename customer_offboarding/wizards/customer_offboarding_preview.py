from odoo import fields, models
from odoo.tools import SQL


class CustomerOffboardingPreview(models.TransientModel):
    _name = "customer.offboarding.preview"
    _description = "Offboarding Rule Preview"

    rule_id = fields.Many2one("customer.offboarding.rule", required=True, readonly=True)
    as_of_date = fields.Date(readonly=True, default=fields.Date.context_today)
    matched_count = fields.Integer(string="Matching Customers", readonly=True)
    exempted_count = fields.Integer(string="Exempted", readonly=True)
    actionable_count = fields.Integer(string="Would Be Moved", readonly=True)
    exemption_summary = fields.Text(readonly=True)
    tier_summary = fields.Text(string="Per Tier", readonly=True)
    revenue_available = fields.Boolean(readonly=True)
    revenue_at_stake = fields.Monetary(
        currency_field="currency_id",
        readonly=True,
        help="Revenue of the last 12 months of the customers that would be moved.",
    )
    currency_id = fields.Many2one(related="rule_id.company_id.currency_id")

    def _compute_result(self):
        """Count what the rule would do, in SQL; nothing is written elsewhere."""
        self.ensure_one()
        rule = self.rule_id.with_company(self.rule_id.company_id)
        rule._ensure_runnable()
        self.env.flush_all()
        as_of = self.as_of_date
        candidates = rule._get_candidates_sql(as_of, 0, rule._get_id_bound())
        matched = self.env.execute_query(SQL("SELECT COUNT(*) FROM (%s) c", candidates))
        exemptions = rule._get_exemptions_sql(candidates, as_of)
        why = []
        if exemptions:
            why = self.env.execute_query(
                SQL(
                    """
                    SELECT why, COUNT(DISTINCT pid) FROM (%s) e(pid, why)
                     GROUP BY why
                    """,
                    exemptions,
                )
            )
        tiers = self.env.execute_query(
            SQL(
                """
                SELECT p.offboarding_tier->>%s, COUNT(*) FROM res_partner p
                 WHERE p.id IN (%s) GROUP BY 1
                """,
                str(rule.company_id.id),
                rule._get_actionable_sql(as_of),
            )
        )
        revenue_sql = rule._get_revenue_sql(rule._get_actionable_sql(as_of), as_of)
        revenue = self.env.execute_query(revenue_sql)[0][0] if revenue_sql else 0.0
        tier_labels = dict(
            self.env["res.partner"]
            ._fields["offboarding_tier"]
            ._description_selection(self.env)
        )
        not_set = self.env._("Not set")
        labels = self._exemption_labels()
        self.write(
            {
                "matched_count": matched[0][0],
                "exempted_count": matched[0][0] - sum(count for _t, count in tiers),
                "actionable_count": sum(count for _t, count in tiers),
                "revenue_available": bool(revenue_sql),
                "revenue_at_stake": revenue,
                "exemption_summary": "\n".join(
                    f"{labels.get(code, code)}: {count}" for code, count in sorted(why)
                ),
                "tier_summary": "\n".join(
                    f"{tier_labels.get(tier) or not_set}: {count}"
                    for tier, count in sorted(tiers, key=lambda row: row[0] or "")
                ),
            }
        )

    def _exemption_labels(self):
        return {
            "tag": self.env._("Never-offboard tag"),
            "user": self.env._("Linked to an active user"),
            "cooldown": self.env._("Reactivated or cancelled recently (cooldown)"),
            "shared": self.env._("Shared with a company that still serves them"),
        }

    def action_open_partners(self):
        """List the customers the rule would move (paged and exportable)."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Would be moved by %(rule)s", rule=self.rule_id.name),
            "res_model": "res.partner",
            "view_mode": "list,form",
            "views": [(False, "list"), (False, "form")],
            "domain": [("offboarding_rule_match_id", "=", self.rule_id.id)],
            "context": {"allowed_company_ids": [self.rule_id.company_id.id]},
        }
