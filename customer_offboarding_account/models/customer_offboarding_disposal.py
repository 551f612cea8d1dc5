from odoo import api, models
from odoo.tools import SQL


class CustomerOffboardingDisposal(models.AbstractModel):
    _inherit = "customer.offboarding.disposal"

    @api.model
    def _kept_tax_ids_sql(self, scope):
        """Customers with a journal entry ever posted keep their tax ids: the
        document shows them, and the law keeps the document (a cancelled
        entry too). (Read through
        the entries' partner, which Odoo indexes.)"""
        return SQL(
            """
            SELECT p.commercial_partner_id
              FROM account_move am
              JOIN res_partner p ON p.id = am.partner_id
             WHERE am.partner_id = ANY(%s) AND am.posted_before
            """,
            scope["family"],
        )

    @api.model
    def _kept_banks_sql(self, bank_ids):
        """Bank accounts an entry, a payment or a journal names stay (the
        documents point at them); the others go."""
        return SQL(
            """
            SELECT partner_bank_id FROM account_move
             WHERE partner_bank_id = ANY(%(b)s)
             UNION
            SELECT partner_bank_id FROM account_payment
             WHERE partner_bank_id = ANY(%(b)s)
             UNION
            SELECT bank_account_id FROM account_journal
             WHERE bank_account_id = ANY(%(b)s)
            """,
            b=list(bank_ids),
        )

    @api.model
    def _kept_messages_sql(self, scope):
        """The law keeps the messages of posted journal entries (with their
        attachments: a bill's PDF) and the accounting audit trail of the
        partners (their tracked changes, where a company keeps one and the
        partner has entries there), as Odoo refuses to delete them."""
        return SQL(
            """
            SELECT m.id FROM mail_message m
              JOIN account_move am ON am.id = m.res_id
             WHERE m.model = 'account.move' AND m.author_id = ANY(%(family)s)
               AND am.posted_before
             UNION
            SELECT m.id FROM mail_message m
             WHERE m.model = 'res.partner' AND m.res_id = ANY(%(family)s)
               AND m.message_type = 'notification'
               AND EXISTS (
                    SELECT 1 FROM account_move am
                      JOIN res_company co ON co.id = am.company_id
                     WHERE am.partner_id = m.res_id AND co.check_account_audit_trail)
            """,
            family=scope["family"],
        )
