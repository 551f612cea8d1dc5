from odoo import fields, models


class CustomerOffboardingRule(models.Model):
    _inherit = "customer.offboarding.rule"

    exempt_unpaid_invoices = fields.Boolean(
        default=True,
        help="Skip customers with a posted invoice not fully paid: settle the "
        "account before offboarding.",
    )
