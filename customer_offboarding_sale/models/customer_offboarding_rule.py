from odoo import models
from odoo.tools import SQL


class CustomerOffboardingRule(models.Model):
    _inherit = "customer.offboarding.rule"

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
