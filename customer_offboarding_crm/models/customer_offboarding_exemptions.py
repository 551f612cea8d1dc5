from odoo import api, models
from odoo.tools import SQL


class CustomerOffboardingExemptions(models.AbstractModel):
    _inherit = "customer.offboarding.exemptions"

    @api.model
    def _get_exemption_labels(self):
        return dict(
            super()._get_exemption_labels(), opportunity=self.env._("Open opportunity")
        )

    def _get_exemption_checks_sql(self, as_of):
        checks = super()._get_exemption_checks_sql(as_of)
        if self.exempt_open_opportunities:
            checks.append(
                SQL(
                    """
                    SELECT DISTINCT r.commercial_partner_id, 'opportunity'
                      FROM crm_lead l
                      JOIN res_partner r ON r.id = l.partner_id
                      LEFT JOIN crm_stage s ON s.id = l.stage_id
                     WHERE r.commercial_partner_id IN (SELECT id FROM candidates)
                       AND l.active
                       AND l.type = 'opportunity'
                       AND NOT COALESCE(s.is_won, FALSE)
                       AND (l.company_id = %s OR l.company_id IS NULL)
                    """,
                    self.company_id.id,
                )
            )
        return checks
