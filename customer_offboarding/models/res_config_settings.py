from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    offboarding_notice_days = fields.Integer(
        related="company_id.offboarding_notice_days",
        readonly=False,
    )
