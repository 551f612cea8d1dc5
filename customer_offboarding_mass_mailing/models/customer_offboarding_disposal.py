from odoo import api, models
from odoo.tools import SQL

# Mailing contact columns emptied (their email, name and company).
CONTACT_CLEARED = (
    "name",
    "first_name",
    "last_name",
    "email",
    "email_normalized",
    "company_name",
    "title_id",
)


class CustomerOffboardingDisposal(models.AbstractModel):
    _inherit = "customer.offboarding.disposal"

    @api.model
    def _erase_related(self, scope):
        """Mailing contacts of the same normalized email are anonymized with
        the customer, with the addresses of their mailing traces; the
        blacklist entry of the email stays, so it is never mailed again."""
        result = super()._erase_related(scope)
        scope["mailing_contacts"] = self._query_ids(
            SQL(
                "SELECT id FROM mailing_contact WHERE email_normalized = ANY(%s)",
                scope["emails"],
            )
        )
        if scope["mailing_contacts"]:
            self.env.execute_query(
                SQL(
                    "UPDATE mailing_contact SET %s WHERE id = ANY(%s)",
                    SQL(", ").join(
                        SQL("%s = NULL", SQL.identifier(name))
                        for name in CONTACT_CLEARED
                        if self._has_column("mailing.contact", name)
                    ),
                    scope["mailing_contacts"],
                )
            )
        self.env.execute_query(
            SQL(
                """
                UPDATE mailing_trace SET email = NULL
                 WHERE email IS NOT NULL
                   AND ((model = 'mailing.contact' AND res_id = ANY(%s))
                        OR (model = 'res.partner' AND res_id = ANY(%s)))
                """,
                scope["mailing_contacts"],
                scope["family"],
            )
        )
        return result

    @api.model
    def _message_ids(self, scope):
        """The messages on the mailing contacts go too."""
        return super()._message_ids(scope) + self._query_ids(
            SQL(
                "SELECT id FROM mail_message WHERE model = 'mailing.contact' "
                "AND res_id = ANY(%s)",
                scope.get("mailing_contacts", []),
            )
        )
