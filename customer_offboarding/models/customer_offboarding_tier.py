import time

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import scheduler

# Partner ids of one batch of the scheduled action (one transaction each).
TIER_RANGE = 50000


class CustomerOffboardingTier(models.AbstractModel):
    """Value tiers: each customer's revenue over the company's period against
    its two thresholds (Settings), written on ``res.partner.offboarding_tier``
    in batches, never as a stored compute. A manual override wins.

    The Invoicing bridge provides the revenue (``_revenue_sql``); without it
    tiers are manual only.
    """

    _name = "customer.offboarding.tier"
    _description = "Customer Offboarding Value Tiers"

    @api.model
    def _revenue_sql(self, company, date_from, id_from, id_to):
        """SQL of (commercial partner id, revenue) for the customers of ``company``
        with an id in [id_from, id_to), revenue in the company currency since
        ``date_from``; None when no app records revenue (the Invoicing bridge
        provides it)."""
        return None

    @api.model
    def _date_from(self, company):
        return fields.Date.context_today(self) - relativedelta(
            months=company.offboarding_tier_months
        )

    @api.model
    def _compute_partners(self, company, partners):
        """Write the computed tier of ``partners`` (their commercial partners)
        in ``company``; return how many changed. A partner with no revenue
        row keeps no stale tier; one with an override keeps it."""
        ids = partners.with_context(active_test=False).commercial_partner_id.ids
        if not ids:
            return 0
        revenue = self._revenue_sql(
            company, self._date_from(company), min(ids), max(ids) + 1
        )
        if revenue is None:
            self._apply_overrides(company, ids)
            return 0
        self.env.flush_all()
        changed = self._write_tiers(company, revenue, ids)
        self._clear_stale(company, revenue, ids)
        self.env["res.partner"].invalidate_model(["offboarding_tier"])
        return changed

    @api.model
    def _compute_range(self, company, id_from, id_to):
        """Write the computed tier of the customers of ``company`` with an id in
        [id_from, id_to); return how many changed."""
        revenue = self._revenue_sql(company, self._date_from(company), id_from, id_to)
        if revenue is None:
            return 0
        self.env.flush_all()
        changed = self._write_tiers(company, revenue)
        self.env["res.partner"].invalidate_model(["offboarding_tier"])
        return changed

    @api.model
    def _apply_overrides(self, company, ids):
        """No app records revenue: the tier of ``ids`` is their override, if any."""
        partners = self.env["res.partner"].browse(ids).with_company(company)
        for override, group in partners.grouped("offboarding_tier_override").items():
            group.offboarding_tier = override or False

    @api.model
    def _write_tiers(self, company, revenue, ids=None):
        """The tier of each customer of ``revenue`` (restricted to ``ids``),
        in one UPDATE; return how many changed."""
        key = str(company.id)
        rows = self.env.execute_query(
            SQL(
                """
                WITH revenue AS (%(revenue)s),
                tiers AS (
                    SELECT r.partner_id,
                           CASE WHEN r.revenue >= %(high)s THEN 'high'
                                WHEN r.revenue >= %(mid)s THEN 'mid'
                                ELSE 'low' END AS tier
                      FROM revenue r
                )
                UPDATE res_partner p
                   SET offboarding_tier = COALESCE(p.offboarding_tier, '{}'::jsonb)
                                          || jsonb_build_object(%(key)s, t.tier)
                  FROM tiers t
                 WHERE p.id = t.partner_id
                   AND (%(ids)s::int[] IS NULL OR p.id = ANY(%(ids)s::int[]))
                   AND p.offboarding_tier_override->>%(key)s IS NULL
                   AND (p.offboarding_tier->>%(key)s) IS DISTINCT FROM t.tier
             RETURNING p.id
                """,
                revenue=revenue,
                high=company.offboarding_tier_high_amount,
                mid=company.offboarding_tier_mid_amount,
                key=key,
                ids=ids,
            )
        )
        return len(rows)

    @api.model
    def _clear_stale(self, company, revenue, ids):
        """Partners asked for by id that are no customers (no revenue row) and
        have no override keep no stale tier."""
        key = str(company.id)
        self.env.execute_query(
            SQL(
                """
                WITH revenue AS (%(revenue)s)
                UPDATE res_partner p
                   SET offboarding_tier = NULLIF(p.offboarding_tier - %(key)s,
                                                 '{}'::jsonb)
                 WHERE p.id = ANY(%(ids)s)
                   AND p.offboarding_tier ? %(key)s
                   AND p.offboarding_tier_override->>%(key)s IS NULL
                   AND p.id NOT IN (SELECT partner_id FROM revenue)
                """,
                revenue=revenue,
                key=key,
                ids=ids,
            )
        )

    # ------------------------------------------------------------------
    # Scheduled action
    # ------------------------------------------------------------------

    @api.model
    def _cron_compute(self):
        """Scheduled action: recompute the value tiers of every company once a
        day, in id ranges, one transaction per range, within the call's time
        budget (the scheduler calls again while ranges remain). Each
        company's cursor is kept on the company: a pass cut short resumes
        where it stopped."""
        stop_at = scheduler.deadline(
            self.env, "customer_offboarding.ir_cron_compute_tiers"
        )
        if stop_at is None:
            return
        today = fields.Date.context_today(self)
        companies = (
            self.env["res.company"]
            .sudo()
            .search(
                [
                    "|",
                    ("offboarding_tier_date", "=", False),
                    ("offboarding_tier_date", "<", today),
                ],
                order="id",
            )
        )
        progress = {"done": 0, "remaining": self._ranges_left(companies)}
        for company in companies:
            if (
                not self.sudo()
                .with_company(company)
                ._compute_company(company, stop_at, progress)
            ):
                return

    @api.model
    def _ranges_left(self, companies):
        bound = scheduler.id_bound(self.env)
        return sum(
            max(1, -(-(bound - company.offboarding_tier_cursor) // self._range()))
            for company in companies
        )

    @api.model
    def _range(self):
        """Partner ids of one range of the scheduled action."""
        return TIER_RANGE

    @api.model
    def _compute_company(self, company, stop_at, progress):
        """Compute ``company``'s ranges from its cursor until ``stop_at``;
        return True once its pass is complete."""
        bound = scheduler.id_bound(self.env)
        today = fields.Date.context_today(self)
        low = company.offboarding_tier_cursor
        while True:
            started = time.monotonic()
            self._compute_range(company, low, low + self._range())
            low += self._range()
            finished = low >= bound
            company._offboarding_set_tier_cursor(
                0 if finished else low, today if finished else False
            )
            progress["done"] += 1
            progress["remaining"] -= 1
            self.env["ir.cron"]._notify_progress(
                done=progress["done"], remaining=max(0, progress["remaining"])
            )
            if scheduler.can_commit(self.env):
                # One transaction per range: a killed pass keeps what it
                # finished and resumes from the company's cursor.
                self.env.cr.commit()  # pylint: disable=invalid-commit
            if finished:
                return True
            if scheduler.past(stop_at, time.monotonic() - started):
                return False
