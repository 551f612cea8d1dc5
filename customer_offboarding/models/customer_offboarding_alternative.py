from urllib.parse import urlsplit

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools.guard import check_company_move


def web_url(url):
    """``url`` when it is an http(s) address, else False."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return url
    return False


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
    website_url = fields.Char(
        string="Website URL",
        compute="_compute_website_url",
        help="The website when it is an http(s) address: the only link notices "
        "and the customer's page show.",
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

    @api.depends("website")
    def _compute_website_url(self):
        for alternative in self:
            alternative.website_url = web_url(alternative.website)

    @api.constrains("website")
    def _check_website(self):
        for alternative in self:
            if alternative.website and not web_url(alternative.website):
                raise ValidationError(
                    self.env._(
                        "The website of “%(name)s” must be a web address starting "
                        "with https:// or http://.",
                        name=alternative.name,
                    )
                )

    def write(self, vals):
        check_company_move(self, vals)
        return super().write(vals)

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
