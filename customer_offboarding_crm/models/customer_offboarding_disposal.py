from odoo import api, models
from odoo.tools import SQL

# What a lead copies of its customer: the contact's name, company, email,
# phones, address and website.
LEAD_CLEARED = (
    "contact_name",
    "partner_name",
    "function",
    "title",
    "email_from",
    "email_normalized",
    "email_cc",
    "phone",
    "mobile",
    "phone_sanitized",
    "street",
    "street2",
    "zip",
    "city",
    "state_id",
    "website",
    "description",
)


class CustomerOffboardingDisposal(models.AbstractModel):
    _inherit = "customer.offboarding.disposal"

    @api.model
    def _erase_related(self, scope):
        """Leads and opportunities of the anonymized partners, or of their
        email addresses, keep their title and pipeline figures, not the
        copies of the customer's details nor their internal notes."""
        result = super()._erase_related(scope)
        self.env.execute_query(
            SQL(
                """
                UPDATE crm_lead SET %s
                 WHERE partner_id = ANY(%s) OR email_normalized = ANY(%s)
                """,
                SQL(", ").join(
                    SQL("%s = NULL", SQL.identifier(name))
                    for name in LEAD_CLEARED
                    if self._has_column("crm.lead", name)
                ),
                scope["family"],
                scope["emails"],
            )
        )
        return result
