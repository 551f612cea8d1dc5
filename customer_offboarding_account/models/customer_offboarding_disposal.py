from odoo import api, models
from odoo.tools import SQL


class CustomerOffboardingDisposal(models.AbstractModel):
    _inherit = "customer.offboarding.disposal"

    @api.model
    def _kept_tax_ids_sql(self, scope):
        """Customers with a posted journal entry keep their tax ids: the
        document shows them, and the law keeps the document."""
        return SQL(
            """
            SELECT commercial_partner_id FROM account_move
             WHERE commercial_partner_id = ANY(%s) AND state = 'posted'
            """,
            scope["customers"],
        )

    @api.model
    def _kept_banks_sql(self, scope):
        """Bank accounts an entry or a payment names stay (the documents point
        at them); the others go."""
        banks = SQL(
            "SELECT id FROM res_partner_bank WHERE partner_id = ANY(%s)",
            scope["family"],
        )
        return SQL(
            """
            SELECT partner_bank_id FROM account_move WHERE partner_bank_id IN (%(b)s)
             UNION
            SELECT partner_bank_id FROM account_payment
             WHERE partner_bank_id IN (%(b)s)
            """,
            b=banks,
        )
