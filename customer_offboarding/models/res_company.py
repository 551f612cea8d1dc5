from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    offboarding_notice_days = fields.Integer(
        string="Offboarding Notice Period (days)",
        default=30,
        help="Days between the start of a customer's offboarding notice and "
        "the end of service, when no end date is given.",
    )

    _sql_constraints = [
        (
            "offboarding_notice_days_positive",
            "CHECK(offboarding_notice_days >= 0)",
            "The offboarding notice period cannot be negative.",
        ),
    ]
