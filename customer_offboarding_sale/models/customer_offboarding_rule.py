from odoo import api, fields, models


class CustomerOffboardingRule(models.Model):
    _inherit = "customer.offboarding.rule"

    product_category_ids = fields.Many2many(
        "product.category",
        "customer_offboarding_rule_product_category_rel",
        string="Discontinued Product Categories",
        help="Needs Changed: customers whose confirmed orders of the last N days "
        "are all in these categories match.",
    )

    @api.constrains("product_category_ids")
    def _check_criterion_setup_categories(self):
        self._check_criterion_setup()
