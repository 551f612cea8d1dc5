from odoo import api, models
from odoo.tools import email_normalize


class MailMessage(models.Model):
    _inherit = "mail.message"

    @api.model_create_multi
    def create(self, vals_list):
        messages = super().create(vals_list)
        inbound = messages.filtered(lambda m: m.message_type == "email")
        if inbound:
            inbound._offboarding_request_reactivation()
        return messages

    def _offboarding_request_reactivation(self):
        """An offboarded customer wrote to us: open an automatic reactivation
        request (archived partners are found by their address, since the mail
        gateway only matches active ones)."""
        Partner = self.env["res.partner"].sudo().with_context(active_test=False)
        authors = self.author_id.filtered(
            lambda p: not p.user_ids.filtered(lambda u: not u.share)
        )
        emails = {
            email_normalize(m.email_from)
            for m in self
            if not m.author_id and m.email_from and email_normalize(m.email_from)
        }
        if emails:
            authors |= Partner.search([("email_normalized", "in", list(emails))])
        if authors:
            authors.sudo()._offboarding_request_on_activity(self.env._("Inbound email"))
