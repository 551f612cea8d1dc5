from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL


class CustomerOffboardingCriteria(models.AbstractModel):
    _inherit = "customer.offboarding.criteria"

    def _get_supported_sources(self):
        return super()._get_supported_sources() | {"source_sale"}

    def _get_activity_signals_sql(self, cutoff):
        signals = super()._get_activity_signals_sql(cutoff)
        if self.source_sale:
            # Orders are often placed by a contact of the customer.
            signals.append(
                SQL(
                    """
                    EXISTS (
                        SELECT 1
                          FROM res_partner buyer
                          JOIN sale_order so ON so.partner_id = buyer.id
                         WHERE buyer.commercial_partner_id = p.id
                           AND so.state = 'sale'
                           AND so.company_id = %s
                           AND so.date_order >= %s)
                    """,
                    self.company_id.id,
                    cutoff,
                )
            )
        return signals

    def _get_needs_changed_sql(self, as_of):
        conditions = super()._get_needs_changed_sql(as_of)
        if self.product_category_ids:
            start = fields.Datetime.to_datetime(as_of) - timedelta(days=self.days)
            lines = SQL(
                """
                SELECT 1
                  FROM res_partner buyer
                  JOIN sale_order so ON so.partner_id = buyer.id
                  JOIN sale_order_line l ON l.order_id = so.id
                  JOIN product_product pp ON pp.id = l.product_id
                  JOIN product_template pt ON pt.id = pp.product_tmpl_id
                 WHERE buyer.commercial_partner_id = p.id
                   AND so.state = 'sale'
                   AND so.company_id = %s
                   AND so.date_order >= %s
                   AND l.display_type IS NULL
                """,
                self.company_id.id,
                start,
            )
            categories = self.product_category_ids.ids
            conditions.append(
                SQL(
                    """
                    EXISTS (%(lines)s AND pt.categ_id = ANY(%(categories)s))
                    AND NOT EXISTS (%(lines)s AND pt.categ_id != ALL(%(categories)s))
                    """,
                    lines=lines,
                    categories=categories,
                )
            )
        return conditions

    @api.model
    def _last_activity_sql(self, partner_ids):
        """Confirmed sales orders are activity too, whichever contact placed them."""
        self.env["res.partner"].flush_model(["commercial_partner_id"])
        self.env["sale.order"].flush_model(["partner_id", "state", "date_order"])
        return SQL(
            """
            (%(super)s)
            UNION ALL
            (SELECT buyer.commercial_partner_id, so.date_order
               FROM unnest(%(ids)s::int[]) AS c(id)
               JOIN res_partner buyer ON buyer.commercial_partner_id = c.id
               JOIN sale_order so ON so.partner_id = buyer.id
              WHERE so.state = 'sale')
            """,
            super=super()._last_activity_sql(partner_ids),
            ids=list(partner_ids),
        )
