from odoo import models
from odoo.tools import email_normalize


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    def _message_route_process(self, message, message_dict, routes):
        thread_id = super()._message_route_process(message, message_dict, routes)
        self._offboarding_inbound_mail(message_dict, routes)
        return thread_id

    def _offboarding_inbound_mail(self, message_dict, routes):
        """An offboarded customer wrote to us: open an automatic reactivation
        request (archived partners are found by their address, since the mail
        gateway only matches active ones).

        Only mail that came in through Odoo's mail gateway counts, and only
        when the gateway runs as an administrator (the fetchmail scheduled
        action, or the mailgate script's user): any user may post a message
        of type *email* naming a customer as its author, and Odoo lets any
        user call the gateway itself.
        """
        if not self.env.is_admin() or message_dict.get("is_bounce"):
            return
        Partner = self.env["res.partner"].sudo().with_context(active_test=False)
        authors = Partner.browse(message_dict.get("author_id") or [])
        email = email_normalize(message_dict.get("email_from") or "")
        if not authors and email:
            authors = Partner.search([("email_normalized", "=", email)])
        authors = authors.filtered(
            lambda p: not p.user_ids.filtered(lambda u: not u.share)
        )
        if not authors:
            return
        companies = self.env["res.company"]
        for model, thread_id, _values, _user, _alias in routes or ():
            record = self.env[model].sudo().browse(thread_id).exists()
            company = "company_id" in record._fields and record.company_id
            if not company:
                # Not a record of one company: every company may ask.
                companies = None
                break
            companies |= company
        self.env["customer.reactivation.request"]._submit_for_activity(
            authors, self.env._("Inbound email"), companies=companies
        )
