from odoo import api, models
from odoo.tools import SQL


class CustomerOffboardingTier(models.AbstractModel):
    _inherit = "customer.offboarding.tier"

    @api.model
    def _revenue_sql(self, company, date_from, id_from, id_to):
        """Customers of ``company`` with an id in [id_from, id_to) and their
        revenue since ``date_from``: untaxed amount of the posted customer
        invoices net of credit notes, in the company currency.

        A range of the partner primary key, and per partner one probe of the
        partial index of posted customer invoices (commercial partner, invoice
        date; see account_move.py) that reads the period's invoices only: the
        cost of an id range of the tier cron does not grow with the invoice
        history, and a caller that keeps a few ids of a wide range (the
        managers' export) probes only those. The EXISTS only matters for
        customers without a customer rank (posting an invoice ranks them); its
        bounds keep it to the range if PostgreSQL hashes it.
        """
        self._flush_invoices()
        return SQL(
            """
            SELECT p.id AS partner_id, r.revenue
              FROM res_partner p
             CROSS JOIN LATERAL (
                    SELECT COALESCE(SUM(m.amount_untaxed_signed), 0) AS revenue,
                           COUNT(*) AS moves
                      FROM account_move m
                     WHERE m.commercial_partner_id = p.id
                       AND m.state = 'posted'
                       AND m.move_type IN ('out_invoice', 'out_refund')
                       AND m.company_id = %(company)s
                       AND m.invoice_date >= %(date_from)s
                   ) r
             WHERE p.id >= %(id_from)s
               AND p.id < %(id_to)s
               AND p.id = p.commercial_partner_id
               AND (p.company_id IS NULL OR p.company_id = %(company)s)
               AND (p.customer_rank > 0
                    OR r.moves > 0
                    OR EXISTS (
                        SELECT 1
                          FROM account_move o
                         WHERE o.commercial_partner_id = p.id
                           AND o.commercial_partner_id >= %(id_from)s
                           AND o.commercial_partner_id < %(id_to)s
                           AND o.state = 'posted'
                           AND o.move_type IN ('out_invoice', 'out_refund')
                           AND o.company_id = %(company)s))
            """,
            id_from=id_from,
            id_to=id_to,
            company=company.id,
            date_from=date_from,
        )

    @api.model
    def _flush_invoices(self):
        """The SQL above reads partners and invoices: write pending changes first."""
        self.env["res.partner"].flush_model(
            ["commercial_partner_id", "company_id", "customer_rank"]
        )
        self.env["account.move"].flush_model(
            [
                "commercial_partner_id",
                "company_id",
                "state",
                "move_type",
                "invoice_date",
                "amount_untaxed_signed",
            ]
        )
