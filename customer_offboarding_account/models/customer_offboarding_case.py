from collections import defaultdict

from odoo import models


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
