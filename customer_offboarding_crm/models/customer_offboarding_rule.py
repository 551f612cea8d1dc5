from odoo import api, fields, models
from odoo.tools import SQL


class CustomerOffboardingRule(models.Model):
    _inherit = "customer.offboarding.rule"

    exempt_open_opportunities = fields.Boolean(
        default=True,
        help="Skip customers with an open opportunity (not won, not lost).",
    )

    def _get_supported_sources(self):
        return super()._get_supported_sources() | {"source_lead"}

    def _get_activity_signals_sql(self, cutoff, id_range):
        signals = super()._get_activity_signals_sql(cutoff, id_range)
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
