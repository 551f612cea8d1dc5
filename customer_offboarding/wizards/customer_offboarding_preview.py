from odoo import fields, models
from odoo.tools import SQL

from ..tools import scheduler
from ..tools.guard import internal


class CustomerOffboardingPreview(models.TransientModel):
    _name = "customer.offboarding.preview"
    _inherit = ["customer.offboarding.guard"]
    _description = "Offboarding Rule Preview"
    # A preview is made for a rule; its counts are the detection's.
    _offboarding_create_fields = ("rule_id",)
    _offboarding_user_fields = ()
    _offboarding_fixed_fields = ("rule_id",)

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
    explanation = fields.Text(
        readonly=True,
        help="Why the rule would move nobody today, when it would not.",
    )
    actionable_ids = fields.Text(
        readonly=True,
        help="Technical: the ids of the customers that would be moved, so that "
        "their list pages without detecting again.",
    )

    def _count_matches(self):
        """Count what the rule would do; nothing is written but this preview.

        The detection runs once; exemptions, tiers and revenue are computed
        from the ids it found, which the preview keeps for its customer list.
        """
        self.ensure_one()
        rule = self.rule_id.with_company(self.rule_id.company_id)
        rule._ensure_runnable()
        self.env.flush_all()
        as_of = self.as_of_date
        matched, exempted = rule._detect(as_of, 0, scheduler.id_bound(self.env))
        actionable = [pid for pid in matched if pid not in exempted]
        tiers = self.env.execute_query(
            SQL(
                """
                SELECT p.offboarding_tier->>%s, COUNT(*) FROM res_partner p
                 WHERE p.id = ANY(%s) GROUP BY 1
                """,
                str(rule.company_id.id),
                actionable,
            )
        )
        revenue_sql = rule._get_revenue_sql(
            SQL("SELECT unnest(%s::int[])", actionable), as_of
        )
        revenue = self.env.execute_query(revenue_sql)[0][0] if revenue_sql else 0.0
        internal(self).write(
            {
                "matched_count": len(matched),
                "exempted_count": len(exempted),
                "actionable_count": len(actionable),
                "actionable_ids": ",".join(map(str, actionable)),
                "revenue_available": bool(revenue_sql),
                "revenue_at_stake": revenue,
                "exemption_summary": self._summarize_exemptions(exempted),
                "tier_summary": self._summarize_tiers(tiers),
                "explanation": self._explain(rule, matched, actionable),
            }
        )

    def _explain(self, rule, matched, actionable):
        """Why nobody would move: no customer in scope, none in a status the
        action moves, none meets the criterion, or all are exempted."""
        if actionable:
            return False
        if matched:
            return self.env._(
                "Every customer the rule matches is exempted (see why above)."
            )
        in_scope, movable = rule._count_in_scope()
        if not in_scope:
            return self.env._(
                "No customer is in the rule's scope: widen the scope domain, or "
                "untick Customers Only (contacts that never bought anything are "
                "left out)."
            )
        if not movable:
            return self.env._(
                "The %(count)s customers in scope are all in a status this "
                "rule's action does not move.",
                count=in_scope,
            )
        return self.env._(
            "None of the %(count)s customers in scope meets the criterion today "
            "(for inactivity: contacts created, or active, within the period "
            "count as active).",
            count=movable,
        )

    def _summarize_exemptions(self, exempted):
        labels = self.env["customer.offboarding.rule"]._get_exemption_labels()
        counts = {}
        for code in exempted.values():
            counts[code] = counts.get(code, 0) + 1
        return "\n".join(
            f"{labels.get(code, code)}: {count}"
            for code, count in sorted(counts.items())
        )

    def _summarize_tiers(self, tiers):
        tier_labels = dict(
            self.env["res.partner"]
            ._fields["offboarding_tier"]
            ._description_selection(self.env)
        )
        not_set = self.env._("Not set")
        return "\n".join(
            f"{tier_labels.get(tier) or not_set}: {count}"
            for tier, count in sorted(tiers, key=lambda row: row[0] or "")
        )

    def action_open_partners(self):
        """List the customers the rule would move (paged and exportable)."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Would be moved by %(rule)s", rule=self.rule_id.name),
            "res_model": "res.partner",
            "view_mode": "list,form",
            "views": [(False, "list"), (False, "form")],
            "domain": [("offboarding_preview_id", "=", self.id)],
            "context": {"allowed_company_ids": [self.rule_id.company_id.id]},
        }
