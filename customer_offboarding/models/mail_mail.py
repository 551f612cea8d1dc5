from odoo import models


class MailMail(models.Model):
    _inherit = "mail.mail"

    def write(self, vals):
        res = super().write(vals)
        if "state" in vals:
            # An offboarding notice shows whether its mail went out.
            self.env["customer.offboarding.notice"].sudo()._follow_mails(
                self, vals["state"]
            )
        return res
