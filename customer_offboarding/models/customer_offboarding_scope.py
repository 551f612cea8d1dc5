import ast

from odoo import api, models
from odoo.exceptions import UserError, ValidationError
from odoo.osv import expression
from odoo.tools import SQL, Query

# Partner fields that run a rule's detection when searched: a rule's domain
# naming them would run rules inside rules.
SEARCH_ONLY_FIELDS = ("offboarding_rule_match_id", "offboarding_preview_id")


class CustomerOffboardingScope(models.AbstractModel):
    """Which customers a record may touch: its scope domain on contacts (and
    its company, customers only), checked and compiled into one SQL query on
    the partner alias ``p``. Inherited by rules (through their criteria).

    The inheriting model has ``company_id``, ``scope_domain`` and
    ``customers_only`` fields.
    """

    _name = "customer.offboarding.scope"
    _description = "Customer Offboarding Scope"

    @api.constrains("scope_domain")
    def _check_scope_domain(self):
        for record in self:
            record._parse_domain("scope_domain", raise_validation=True)

    def _parse_domain(self, fname, raise_validation=False):
        """Return the domain stored in ``fname``, checked against res.partner."""
        self.ensure_one()
        text = self[fname] or "[]"
        try:
            domain = ast.literal_eval(text)
            if not isinstance(domain, list):
                raise ValueError(self.env._("a domain is a list of conditions"))
            Partner = self.env["res.partner"].with_company(self.company_id)
            self._check_domain_fields(Partner, domain)
            Partner._search(domain)
        except Exception as error:  # noqa: BLE001 - any parse or field error
            message = self.env._(
                "The domain of rule “%(rule)s” is not valid: %(error)s",
                rule=self.display_name,
                error=error,
            )
            if raise_validation:
                raise ValidationError(message) from error
            raise UserError(message) from error
        return domain

    def _check_domain_fields(self, Partner, domain):
        """Every condition names fields that can be searched and that the user
        may read: Odoo replaces a condition on a field it cannot search by
        TRUE (the rule would match everyone), and scheduled runs evaluate
        the domain as superuser."""
        for leaf in domain:
            if not isinstance(leaf, (list, tuple)) or len(leaf) != 3:
                continue
            if not isinstance(leaf[0], str):
                raise ValueError(self.env._("a condition must name a field"))
            model = Partner
            for name in leaf[0].split("."):
                field = model._fields.get(name)
                if field is None:
                    raise ValueError(
                        self.env._("%(field)s is not a field", field=leaf[0])
                    )
                if model._name == "res.partner" and name in SEARCH_ONLY_FIELDS:
                    raise ValueError(
                        self.env._(
                            "%(field)s cannot be used in a rule: it runs rules",
                            field=leaf[0],
                        )
                    )
                if not field._description_searchable:
                    raise ValueError(
                        self.env._(
                            "%(field)s cannot be searched: a condition on it would "
                            "match every contact",
                            field=leaf[0],
                        )
                    )
                if not field.is_accessible(model.env):
                    raise ValueError(
                        self.env._("%(field)s is not readable by you", field=leaf[0])
                    )
                if not field.relational:
                    break
                model = model.env[field.comodel_name]

    def _get_scope_domain(self):
        """The domain of the customers in scope (the criteria add theirs)."""
        Partner = self.env["res.partner"].with_company(self.company_id)
        domain = expression.AND(
            [
                self._parse_domain("scope_domain"),
                [
                    "|",
                    ("company_id", "=", False),
                    ("company_id", "=", self.company_id.id),
                ],
            ]
        )
        if self.customers_only and "customer_rank" in Partner._fields:
            domain = expression.AND([domain, [("customer_rank", ">", 0)]])
        return domain

    def _get_scope_query(self, extra_domain, condition):
        """Query over the alias ``p`` of the commercial partners in scope, with
        ``extra_domain`` and the SQL ``condition``. The database's own
        companies are never customers."""
        Partner = self.env["res.partner"].with_company(self.company_id)
        domain = expression.AND([self._get_scope_domain(), extra_domain])
        query = self._scope_query(Partner, domain)
        query.add_where(
            SQL(
                """
                p.id = p.commercial_partner_id
                AND NOT EXISTS (SELECT 1 FROM res_company rc
                                 WHERE rc.partner_id = p.id)
                AND %s
                """,
                condition,
            )
        )
        return query

    def _scope_query(self, Partner, domain):
        """Partner._search(domain), with the partner table aliased ``p``.

        The criteria are written on ``p``: building the scope on the same alias
        keeps detection to one pass over the partners (a ``p.id IN (search)``
        subquery costs one more index lookup per partner of the range).
        Same rules as ``_search``: read access, archived partners left out
        unless the domain names ``active``, record rules unless superuser.
        """
        Partner.browse().check_access("read")
        if Partner.env.context.get("active_test", True) and not any(
            term[0] == "active" for term in domain
        ):
            domain = expression.AND([[("active", "=", True)], domain])
        query = Query(Partner.env, "p", Partner._table_sql)
        expression.expression(domain, Partner, "p", query)
        if not Partner.env.su:
            rules = self.env["ir.rule"]._compute_domain(Partner._name, "read")
            if rules:
                expression.expression(rules, Partner.sudo(), "p", query)
        return query
