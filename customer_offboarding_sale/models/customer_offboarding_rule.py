from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL


class CustomerOffboardingRule(models.Model):
    _inherit = "customer.offboarding.rule"

    product_category_ids = fields.Many2many(
        "product.category",
        "customer_offboarding_rule_product_category_rel",
        string="Discontinued Product Categories",
        help="Needs Changed: customers whose confirmed orders of the last N days "
        "are all in these categories match.",
    )

    @api.constrains("product_category_ids")
    def _check_criterion_setup_categories(self):
        self._check_criterion_setup()

    def _get_supported_sources(self):
        return super()._get_supported_sources() | {"source_sale"}

    def _get_activity_signals_sql(self, cutoff, id_range):
        signals = super()._get_activity_signals_sql(cutoff, id_range)
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
