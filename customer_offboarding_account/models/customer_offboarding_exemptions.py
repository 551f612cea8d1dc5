from odoo import api, models
from odoo.tools import SQL


class CustomerOffboardingExemptions(models.AbstractModel):
    _inherit = "customer.offboarding.exemptions"

    @api.model
    def _get_exemption_labels(self):
        return dict(
            super()._get_exemption_labels(), unpaid=self.env._("Unpaid invoices")
        )

    def _get_exemption_checks_sql(self, as_of):
        checks = super()._get_exemption_checks_sql(as_of)
        if self.exempt_unpaid_invoices:
            checks.append(
                SQL(
                    """
                    SELECT DISTINCT m.commercial_partner_id, 'unpaid'
                      FROM account_move m
                     WHERE m.commercial_partner_id IN (SELECT id FROM candidates)
                       AND m.state = 'posted'
                       AND m.move_type = 'out_invoice'
                       AND m.company_id = %s
                       AND m.payment_state IN ('not_paid', 'partial')
                    """,
                    self.company_id.id,
                )
            )
        return checks
