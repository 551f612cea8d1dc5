from odoo import models
from odoo.tools import SQL


class CustomerOffboardingCriteria(models.AbstractModel):
    _inherit = "customer.offboarding.criteria"

    def _get_supported_sources(self):
        return super()._get_supported_sources() | {"source_lead"}

    def _get_activity_signals_sql(self, cutoff):
        signals = super()._get_activity_signals_sql(cutoff)
        if self.source_lead:
            # A lead or opportunity of the customer (or a contact) created,
            # updated or won since the cutoff.
            signals.append(
                SQL(
                    """
                    EXISTS (
                        SELECT 1
                          FROM res_partner r
                          JOIN crm_lead l ON l.partner_id = r.id
                         WHERE r.commercial_partner_id = p.id
                           AND (l.company_id = %s OR l.company_id IS NULL)
                           AND l.write_date >= %s)
                    """,
                    self.company_id.id,
                    cutoff,
                )
            )
        return signals
