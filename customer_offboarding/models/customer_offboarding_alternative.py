from odoo import fields, models


class CustomerOffboardingAlternative(models.Model):
    _name = "customer.offboarding.alternative"
    _description = "Customer Offboarding Alternative"
    _order = "sequence, name, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    website = fields.Char(
        help="Where the customer can find this alternative (https://…).",
    )
    description = fields.Text(
        string="What It Covers",
        translate=True,
        help="One or two sentences for the customer: what this alternative "
        "offers in place of our service.",
    )
    reason_ids = fields.Many2many(
        "customer.offboarding.reason",
        "customer_offboarding_alternative_reason_rel",
        "alternative_id",
        "reason_id",
        string="Reasons",
        help="Name this alternative only in notices of these reasons. Leave "
        "empty to name it in every notice.",
    )
    company_id = fields.Many2one(
        "res.company",
        help="Leave empty to share the alternative with every company.",
    )

    def _for_case(self, case):
        """The alternatives a notice of ``case`` names: global or of its reason."""
        return self.search(
            [
                ("company_id", "in", (False, case.company_id.id)),
                "|",
                ("reason_ids", "=", False),
                ("reason_ids", "in", case.reason_id.ids),
            ]
        )
