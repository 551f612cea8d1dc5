from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL


class CustomerOffboardingCriteria(models.AbstractModel):
    _inherit = "customer.offboarding.criteria"

    def _get_supported_sources(self):
        return super()._get_supported_sources() | {"source_invoice"}

    def _invoices_sql(self, select, date_from, date_to):
        """A subquery over the posted customer invoices and refunds of ``p``."""
        return SQL(
            """
            (SELECT %(select)s
               FROM account_move m
              WHERE m.commercial_partner_id = p.id
                AND m.state = 'posted'
                AND m.move_type IN ('out_invoice', 'out_refund')
                AND m.company_id = %(company)s
                AND m.invoice_date >= %(date_from)s
                AND m.invoice_date < %(date_to)s)
            """,
            select=select,
            company=self.company_id.id,
            date_from=date_from,
            date_to=date_to,
        )

    def _get_activity_signals_sql(self, cutoff):
        signals = super()._get_activity_signals_sql(cutoff)
        if self.source_invoice:
            signals.append(
                SQL(
                    """
                    EXISTS (
                        SELECT 1 FROM account_move m
                         WHERE m.commercial_partner_id = p.id
                           AND m.state = 'posted'
                           AND m.move_type = 'out_invoice'
                           AND m.company_id = %s
                           AND m.invoice_date >= %s)
                    """,
                    self.company_id.id,
                    cutoff.date(),
                )
            )
        return signals

    def _period(self, as_of):
        end = fields.Date.to_date(as_of)
        return end - timedelta(days=self.days), end

    def _criterion_sql_low_value(self, as_of):
        start, end = self._period(as_of)
        revenue = self._invoices_sql(
            SQL("COALESCE(SUM(m.amount_untaxed_signed), 0)"), start, end
        )
        return SQL("%s < %s", revenue, self.threshold_amount)

    def _criterion_sql_declining_purchases(self, as_of):
        start, end = self._period(as_of)
        before = start - timedelta(days=self.days)
        totals = self._invoices_sql(
            SQL(
                """
                SUM(m.amount_untaxed_signed) FILTER (WHERE m.invoice_date >= %(start)s)
                    AS current,
                SUM(m.amount_untaxed_signed) FILTER (WHERE m.invoice_date < %(start)s)
                    AS previous
                """,
                start=start,
            ),
            before,
            end,
        )
        return SQL(
            """
            EXISTS (SELECT 1 FROM %(totals)s AS t
                     WHERE t.previous > 0
                       AND COALESCE(t.current, 0) <= t.previous * %(factor)s)
            """,
            totals=totals,
            factor=1 - self.threshold_percent / 100.0,
        )

    def _criterion_sql_high_cost(self, as_of):
        start, end = self._period(as_of)
        totals = self._invoices_sql(
            SQL(
                """
                SUM(-m.amount_untaxed_signed) FILTER (WHERE m.move_type = 'out_refund')
                    AS refunded,
                COUNT(*) FILTER (WHERE m.move_type = 'out_refund') AS refunds,
                SUM(m.amount_untaxed_signed) FILTER (WHERE m.move_type = 'out_invoice')
                    AS invoiced
                """
            ),
            start,
            end,
        )
        return SQL(
            """
            EXISTS (SELECT 1 FROM %(totals)s AS t
                     WHERE (t.invoiced > 0
                            AND COALESCE(t.refunded, 0) >= t.invoiced * %(share)s)
                        OR (%(count)s > 0 AND t.refunds >= %(count)s))
            """,
            totals=totals,
            share=self.threshold_percent / 100.0,
            count=self.threshold_count,
        )

    def _get_revenue_sql(self, partners_sql, as_of):
        start = fields.Date.to_date(as_of) - timedelta(days=365)
        return SQL(
            """
            SELECT COALESCE(SUM(m.amount_untaxed_signed), 0)
              FROM account_move m
             WHERE m.commercial_partner_id IN (%(partners)s)
               AND m.state = 'posted'
               AND m.move_type IN ('out_invoice', 'out_refund')
               AND m.company_id = %(company)s
               AND m.invoice_date >= %(start)s
            """,
            partners=partners_sql,
            company=self.company_id.id,
            start=start,
        )

    @api.model
    def _last_activity_sql(self, partner_ids):
        """Posted customer invoices are activity too (on their invoice date)."""
        self.env["customer.offboarding.tier"]._flush_invoices()
        return SQL(
            """
            (%(super)s)
            UNION ALL
            (SELECT m.commercial_partner_id, m.invoice_date::timestamp
               FROM unnest(%(ids)s::int[]) AS c(id)
               JOIN account_move m ON m.commercial_partner_id = c.id
              WHERE m.state = 'posted'
                AND m.move_type = 'out_invoice')
            """,
            super=super()._last_activity_sql(partner_ids),
            ids=list(partner_ids),
        )
