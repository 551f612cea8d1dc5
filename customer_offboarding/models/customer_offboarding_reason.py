from odoo import api, fields, models

from ..tools.guard import check_company_move

FAMILIES = [
    ("lifecycle", "Lifecycle"),
    ("behaviour", "Behaviour"),
    ("value", "Value"),
    ("demand", "Demand"),
    ("closure", "Closure"),
    ("request", "Customer Request"),
    ("other", "Other"),
]


class CustomerOffboardingReason(models.Model):
    _name = "customer.offboarding.reason"
    _description = "Offboarding Reason"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(
        required=True,
        help="Stable technical key used by rules, scripts and server actions.",
    )
    family = fields.Selection(
        FAMILIES,
        required=True,
        default="other",
        index=True,
    )
    customer_wording = fields.Text(
        translate=True,
        help="How the reason is explained to the customer in notices and on "
        "the customer page. Write it for the customer: respectful and clear.",
    )
    description = fields.Text(
        translate=True,
        help="Internal guidance: when to use this reason.",
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        index=True,
        help="Leave empty to share the reason with every company.",
    )

    _sql_constraints = [
        (
            "code_uniq",
            "unique(code)",
            "Each offboarding reason needs its own code.",
        ),
    ]

    def write(self, vals):
        check_company_move(self, vals)
        return super().write(vals)

    @api.model
    def _get_by_code(self, code):
        """Return the active reason with this code visible in the current company."""
        return self.search(
            [
                ("code", "=", code),
                ("company_id", "in", [False, self.env.company.id]),
            ],
            limit=1,
        )
