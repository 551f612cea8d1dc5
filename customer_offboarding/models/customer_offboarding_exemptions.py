from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL


class CustomerOffboardingExemptions(models.AbstractModel):
    """Who a rule spares among the customers it matched, and why: each
    exemption is a query of (partner_id, exemption code) over the CTE
    ``candidates`` (the ids detection found). Bridge modules add theirs
    (unpaid invoices, open opportunities).

    Inherited by rules through ``customer.offboarding.criteria``; it reads the
    rule's exemption fields.
    """

    _name = "customer.offboarding.exemptions"
    _description = "Customer Offboarding Exemptions"

    @api.model
    def _get_exemption_labels(self):
        """{exemption code: label} of the exemptions rules apply (bridges add
        theirs)."""
        return {
            "tag": self.env._("Never-offboard tag"),
            "user": self.env._("Linked to an active user"),
            "cooldown": self.env._("Reactivated or cancelled recently (cooldown)"),
            "shared": self.env._("Shared with a company that still serves them"),
            "notice_waiting": self.env._("A notice to them waits for approval"),
        }

    def _get_exemptions_sql(self, candidates, as_of):
        """SQL of (partner_id, exemption) for the candidates a rule must spare."""
        checks = self._get_exemption_checks_sql(as_of)
        if not checks:
            return None
        return SQL(
            "WITH candidates AS (%s) %s",
            candidates,
            SQL(" UNION ALL ").join(checks),
        )

    def _get_exemption_checks_sql(self, as_of):
        """Queries of (partner_id, exemption code) over the CTE ``candidates``.

        Bridge modules append their own (open opportunities, unpaid invoices).
        """
        checks = [
            self._get_tag_exemption_sql(),
            self._get_user_exemption_sql(),
            self._get_cooldown_exemption_sql(as_of),
            self._get_shared_exemption_sql() if self.action == "archive" else None,
        ]
        return [check for check in checks if check is not None]

    def _get_tag_exemption_sql(self):
        """Customers with a never-offboard tag."""
        if not self.exempt_tag_ids:
            return None
        return SQL(
            """
            SELECT t.partner_id, 'tag'
              FROM res_partner_res_partner_category_rel t
             WHERE t.partner_id IN (SELECT id FROM candidates)
               AND t.category_id = ANY(%s)
            """,
            self.exempt_tag_ids.ids,
        )

    def _get_user_exemption_sql(self):
        """Customers linked to an active user (portal or internal)."""
        if not self.exempt_active_users:
            return None
        return SQL(
            """
            SELECT r.commercial_partner_id, 'user'
              FROM res_users u JOIN res_partner r ON r.id = u.partner_id
             WHERE u.active
               AND r.commercial_partner_id IN (SELECT id FROM candidates)
            """
        )

    def _get_cooldown_exemption_sql(self, as_of):
        """Customers reactivated, or whose offboarding was cancelled, within the
        rule's cooldown or the company's, whichever is longer."""
        cooldown_days = max(
            self.cooldown_days, self.company_id.offboarding_cooldown_days
        )
        if not cooldown_days:
            return None
        return SQL(
            """
            SELECT c.partner_id, 'cooldown'
              FROM customer_offboarding_case c
             WHERE c.partner_id IN (SELECT id FROM candidates)
               AND c.company_id = %s
               AND c.state IN ('cancelled', 'reactivated')
               AND c.closed_date > %s
               -- An undone run is as if it never happened.
               AND NOT EXISTS (
                    SELECT 1 FROM customer_offboarding_event e
                     WHERE e.case_id = c.id AND e.to_state = 'active'
                       AND e.origin = 'undo')
            """,
            self.company_id.id,
            fields.Date.to_date(as_of) - timedelta(days=cooldown_days),
        )

    def _get_shared_exemption_sql(self):
        """Shared partners still served by another company cannot be archived."""
        return SQL(
            """
            SELECT p.id, 'shared'
              FROM res_partner p
              JOIN res_company c ON c.id != %(company)s AND c.active
             WHERE p.id IN (SELECT id FROM candidates)
               AND p.company_id IS NULL
               AND COALESCE(p.offboarding_state->>c.id::text, 'active')
                   NOT IN ('retired', 'archived', 'anonymized')
            """,
            company=self.company_id.id,
        )
