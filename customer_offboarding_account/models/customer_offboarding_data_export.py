from odoo import api, models

from odoo.addons.customer_offboarding.tools.xlsx import DATE, MONEY, TEXT

# Payments that left draft and were not cancelled or rejected.
POSTED_PAYMENT_STATES = ("in_process", "paid")


class CustomerOffboardingDataExport(models.AbstractModel):
    _inherit = "customer.offboarding.data.export"

    @api.model
    def _sheets(self, case):
        sheets = super()._sheets(case)
        sheets.append(self._invoices_sheet(case))
        sheets.append(self._payments_sheet(case, self._partners(case)))
        return sheets

    @api.model
    def _invoices_sheet(self, case):
        """The customer's posted invoices and credit notes of the case's company."""
        _ = self.env._
        Move = self.env["account.move"].sudo()
        moves = Move.search(
            [
                ("commercial_partner_id", "=", case.partner_id.id),
                ("company_id", "=", case.company_id.id),
                ("state", "=", "posted"),
                ("move_type", "in", ("out_invoice", "out_refund")),
            ],
            order="invoice_date, id",
        )
        kinds = {"out_invoice": _("Invoice"), "out_refund": _("Credit Note")}
        payment_states = dict(
            Move._fields["payment_state"]._description_selection(self.env)
        )
        return {
            "name": _("Invoices"),
            "columns": [
                (_("Number"), TEXT),
                (_("Invoice Date"), DATE),
                (_("Due Date"), DATE),
                (_("Type"), TEXT),
                (_("Untaxed Amount"), MONEY),
                (_("Total"), MONEY),
                (_("Amount Due"), MONEY),
                (_("Currency"), TEXT),
                (_("Payment Status"), TEXT),
            ],
            "rows": [
                [
                    move.name,
                    move.invoice_date,
                    move.invoice_date_due,
                    kinds[move.move_type],
                    move.amount_untaxed,
                    move.amount_total,
                    move.amount_residual,
                    move.currency_id.name,
                    payment_states.get(move.payment_state, ""),
                ]
                for move in moves
            ],
        }

    @api.model
    def _payments_sheet(self, case, family):
        """The payments received from and sent to the customer (and its
        contacts) by the case's company."""
        _ = self.env._
        payments = (
            self.env["account.payment"]
            .sudo()
            .search(
                [
                    ("partner_id", "in", family.ids),
                    ("company_id", "=", case.company_id.id),
                    ("state", "in", POSTED_PAYMENT_STATES),
                ],
                order="date, id",
            )
        )
        directions = {"inbound": _("Paid by you"), "outbound": _("Paid to you")}
        return {
            "name": _("Payments"),
            "columns": [
                (_("Date"), DATE),
                (_("Number"), TEXT),
                (_("Memo"), TEXT),
                (_("Amount"), MONEY),
                (_("Currency"), TEXT),
                (_("Journal"), TEXT),
                (_("Type"), TEXT),
            ],
            "rows": [
                [
                    payment.date,
                    payment.name,
                    payment.memo,
                    payment.amount,
                    payment.currency_id.name,
                    payment.journal_id.name,
                    directions.get(payment.payment_type, ""),
                ]
                for payment in payments
            ],
        }
