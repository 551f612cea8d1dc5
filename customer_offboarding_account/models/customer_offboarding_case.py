from collections import defaultdict

from odoo import models

from odoo.addons.customer_offboarding.models.customer_offboarding_export import (
    DATE,
    MONEY,
    TEXT,
)

# Payments that left draft and were not cancelled or rejected.
POSTED_PAYMENT_STATES = ("in_process", "paid")


class CustomerOffboardingCase(models.Model):
    _inherit = "customer.offboarding.case"

    def _compute_credit_balance(self):
        """What the company owes the customer: a receivable balance below zero
        (credit notes or payments not yet used), in the case's company.

        ``res.partner.credit`` is Odoo's "Total Receivable" (unreconciled
        receivable of posted entries of the company, and of its branches); it
        is computed in one query for all the partners of a company.
        """
        by_company = defaultdict(lambda: self.browse())
        for case in self:
            by_company[case.company_id] |= case
        for company, cases in by_company.items():
            if not company:
                cases.credit_balance = 0.0
                continue
            partners = cases.partner_id.sudo().with_company(company)
            receivable = {partner.id: partner.credit for partner in partners}
            for case in cases:
                owed = -receivable.get(case.partner_id.id, 0.0)
                case.credit_balance = company.currency_id.round(max(0.0, owed))

    def _offboarding_export_sheets(self):
        sheets = super()._offboarding_export_sheets()
        sheets.append(self._offboarding_export_invoices_sheet())
        sheets.append(self._offboarding_export_payments_sheet())
        return sheets

    def _offboarding_export_invoices_sheet(self):
        """The customer's posted invoices and credit notes of the case's company."""
        self.ensure_one()
        _ = self.env._
        Move = self.env["account.move"].sudo()
        moves = Move.search(
            [
                ("commercial_partner_id", "=", self.partner_id.id),
                ("company_id", "=", self.company_id.id),
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

    def _offboarding_export_payments_sheet(self):
        """The payments received from and sent to the customer by the case's
        company."""
        self.ensure_one()
        _ = self.env._
        payments = (
            self.env["account.payment"]
            .sudo()
            .search(
                [
                    ("partner_id", "in", self._offboarding_export_partners().ids),
                    ("company_id", "=", self.company_id.id),
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
