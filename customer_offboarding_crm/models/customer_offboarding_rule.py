from odoo import fields, models


class CustomerOffboardingRule(models.Model):
    _inherit = "customer.offboarding.rule"

    exempt_open_opportunities = fields.Boolean(
        default=True,
        help="Skip customers with an open opportunity (not won, not lost).",
    )
