from odoo import models
from odoo.tools import SQL


class AccountMove(models.Model):
    _inherit = "account.move"

    def init(self):
        # Offboarding rules aggregate posted customer invoices per commercial
        # partner and date; Odoo does not index commercial_partner_id.
        self.env.cr.execute(
            SQL(
                """
                CREATE INDEX IF NOT EXISTS account_move_offboarding_partner_date_idx
                    ON account_move (commercial_partner_id, invoice_date)
                 WHERE state = 'posted' AND move_type IN ('out_invoice', 'out_refund')
                """
            )
        )
