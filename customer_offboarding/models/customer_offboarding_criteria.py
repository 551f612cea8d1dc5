from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.osv import expression
from odoo.tools import SQL

from ..const import RULE_ACTION_SOURCES
from ..tools import scheduler
from ..tools.guard import check_range

# Criteria and the parameters each needs: days (the window), a count, a
# percentage or an amount.
CRITERION_PARAMETERS = {
    "inactivity": ("days",),
    "no_response": ("days", "threshold_count"),
    "bounced": ("threshold_count",),
    "complaints": ("days", "threshold_count"),
    "declining_purchases": ("days", "threshold_percent"),
    "low_value": ("days", "threshold_amount"),
    "high_cost": ("days", "threshold_percent"),
}
# About a hundred years: beyond, the dates a rule computes leave the calendar.
MAX_DAYS = 36500
# Criteria whose signal lives in an app this addon does not depend on.
CRITERION_MODELS = {
    "declining_purchases": ("account.move", "Invoicing"),
    "low_value": ("account.move", "Invoicing"),
    "high_cost": ("account.move", "Invoicing"),
}
SOURCE_MODELS = {
    "source_sale": ("sale.order", "Sales"),
    "source_invoice": ("account.move", "Invoicing"),
    "source_lead": ("crm.lead", "CRM"),
}


class CustomerOffboardingCriteria(models.AbstractModel):
    """How a rule finds customers: its criterion as SQL on the partner alias
    ``p`` (``_criterion_sql_<code>``), the activity, sent-mail, reply and
    unsubscription signals the criteria read, the exemptions, and the
    detection of one partner-id range. Bridge modules extend this mixin with
    the signals and exemptions of their app.

    Inherited by ``customer.offboarding.rule``, whose fields it reads.
    """

    _name = "customer.offboarding.criteria"
    _inherit = ["customer.offboarding.scope", "customer.offboarding.exemptions"]
    _description = "Customer Offboarding Criteria"

    # ------------------------------------------------------------------
    # Checks of the configuration
    # ------------------------------------------------------------------

    @api.constrains(
        "criterion",
        "days",
        "threshold_count",
        "threshold_percent",
        "threshold_amount",
        "cooldown_days",
        "activity_deadline_days",
    )
    def _check_parameters(self):
        """Parameters that would match nothing, or everyone, are refused."""
        for rule in self:
            needed = CRITERION_PARAMETERS.get(rule.criterion, ())
            if "days" in needed:
                check_range(rule, "days", 1, MAX_DAYS)
            if "threshold_count" in needed:
                check_range(rule, "threshold_count", 1)
            if "threshold_percent" in needed:
                check_range(rule, "threshold_percent", 1, 100)
            if "threshold_amount" in needed and rule.threshold_amount <= 0:
                raise ValidationError(
                    self.env._(
                        "Rule “%(rule)s”: the revenue threshold must be above zero.",
                        rule=rule.name,
                    )
                )
            check_range(rule, "days", 0, MAX_DAYS)
            check_range(rule, "cooldown_days", 0, MAX_DAYS)
            check_range(rule, "activity_deadline_days", 0, MAX_DAYS)

    @api.constrains("criterion", "complaint_activity_type_id", "tag_ids")
    def _check_criterion_setup(self):
        for rule in self:
            problem = rule._get_setup_problem()
            if problem:
                raise ValidationError(problem)

    @api.constrains("custom_domain")
    def _check_custom_domain(self):
        for rule in self:
            rule._parse_domain("custom_domain", raise_validation=True)

    @api.constrains("criterion", "source_sale", "source_invoice", "source_lead")
    def _check_sources(self):
        for rule in self:
            missing = rule._get_missing_apps()
            if missing:
                raise ValidationError(missing)

    def _get_supported_sources(self):
        """Inactivity sources this database can read (bridge modules add theirs)."""
        return {"source_message", "source_activity"}

    def _get_missing_apps(self):
        """Return a message naming the apps this rule needs and lacks, or ''."""
        self.ensure_one()
        missing = set()
        criterion_app = CRITERION_MODELS.get(self.criterion)
        if criterion_app and not hasattr(self, f"_criterion_sql_{self.criterion}"):
            missing.add(criterion_app[1])
        if self.criterion == "inactivity":
            supported = self._get_supported_sources()
            missing |= {
                app
                for fname, (_model, app) in SOURCE_MODELS.items()
                if self[fname] and fname not in supported
            }
        missing = sorted(missing)
        if not missing:
            return ""
        return self.env._(
            "Rule “%(rule)s” needs %(apps)s, which is not installed. Install it "
            "or choose other signals.",
            rule=self.name or "",
            apps=", ".join(missing),
        )

    def _get_setup_problem(self):
        """What the rule's criterion lacks to run, or ''."""
        self.ensure_one()
        if self.criterion == "complaints" and not self.complaint_activity_type_id:
            return self.env._(
                "Rule “%(rule)s” needs a complaint activity type.", rule=self.name
            )
        if self.criterion == "needs_changed" and not self._get_needs_changed_sql(
            fields.Date.context_today(self)
        ):
            return self.env._(
                "Rule “%(rule)s” needs at least one tag (or, with Sales, a "
                "discontinued product category).",
                rule=self.name,
            )
        return ""

    def _ensure_runnable(self):
        problem = self._get_missing_apps() or self._get_setup_problem()
        if problem:
            raise UserError(problem)

    def _get_scope_domain(self):
        domain = super()._get_scope_domain()
        if self.criterion == "custom":
            domain = expression.AND([domain, self._parse_domain("custom_domain")])
        return domain

    # ------------------------------------------------------------------
    # Detection (set-based SQL, one partner-id range at a time)
    # ------------------------------------------------------------------

    def _get_candidates_sql(self, as_of, id_from, id_to, lock=False):
        """SQL selecting the ids of commercial partners in [id_from, id_to) that
        are in scope, in a state this rule's action can move, and match the
        criterion (exemptions not applied).

        With ``lock``, it also selects their status in the rule's company and
        locks them for the transitions that follow (no other transaction can
        move them between detection and writing).
        """
        self.ensure_one()
        scope = self._get_scope_query(
            [("id", ">=", id_from), ("id", "<", id_to)],
            SQL(
                "%s AND %s",
                self._movable_status_sql(),
                self._get_criterion_sql(as_of),
            ),
        )
        if not lock:
            return scope.select(SQL("p.id"))
        return SQL(
            "%s FOR NO KEY UPDATE OF p",
            scope.select(
                SQL("p.id"),
                SQL(
                    "COALESCE(p.offboarding_state->>%s, 'active')",
                    str(self.company_id.id),
                ),
            ),
        )

    def _count_in_scope(self):
        """(customers in the rule's scope, those in a status its action moves),
        whatever the criterion: what a preview that finds nobody explains."""
        self.ensure_one()
        self.env.flush_all()
        return tuple(
            self.env.execute_query(
                self._get_scope_query([], condition).select(SQL("COUNT(*)"))
            )[0][0]
            for condition in (SQL("TRUE"), self._movable_status_sql())
        )

    def _movable_status_sql(self):
        """The partner alias ``p`` is in a status this rule's action moves."""
        return SQL(
            "COALESCE(p.offboarding_state->>%s, 'active') IN %s",
            str(self.company_id.id),
            RULE_ACTION_SOURCES[self.action],
        )

    def _get_criterion_sql(self, as_of):
        """The criterion as an SQL condition on the partner alias ``p``.

        Bridge modules add ``_criterion_sql_<code>`` methods for the signals
        of their app.
        """
        if self.criterion == "custom":
            return SQL("TRUE")  # the custom domain is part of the scope
        return getattr(self, f"_criterion_sql_{self.criterion}")(as_of)

    def _cutoff(self, as_of, days=None):
        return fields.Datetime.to_datetime(as_of) - timedelta(
            days=self.days if days is None else days
        )

    def _family_messages_sql(self, condition):
        """EXISTS a message written by the customer or one of its contacts."""
        return SQL(
            """
            EXISTS (
                SELECT 1
                  FROM res_partner author
                  JOIN mail_message m ON m.author_id = author.id
                 WHERE author.commercial_partner_id = p.id
                   AND m.message_type IN ('email', 'comment')
                   AND %s)
            """,
            condition,
        )

    def _criterion_sql_inactivity(self, as_of):
        cutoff = self._cutoff(as_of)
        condition = SQL("p.create_date < %s", cutoff)
        for signal in self._get_activity_signals_sql(cutoff):
            condition = SQL("%s AND NOT %s", condition, signal)
        return condition

    def _get_activity_signals_sql(self, cutoff):
        """EXISTS conditions on ``p``: activity since ``cutoff`` per chosen source.

        Bridge modules append the signals of their app (sales, invoices, leads).
        """
        signals = []
        if self.source_message:
            signals.append(self._family_messages_sql(SQL("m.date >= %s", cutoff)))
        if self.source_activity:
            signals.append(
                SQL(
                    """
                    EXISTS (
                        SELECT 1
                          FROM mail_message m
                          JOIN res_partner r ON r.id = m.res_id
                         WHERE m.model = 'res.partner'
                           AND r.commercial_partner_id = p.id
                           AND m.mail_activity_type_id IS NOT NULL
                           AND m.date >= %s)
                    """,
                    cutoff,
                )
            )
        return signals

    def _criterion_sql_key_contact_left(self, as_of):
        return SQL(
            """
            p.is_company
            AND EXISTS (SELECT 1 FROM res_partner c WHERE c.parent_id = p.id)
            AND NOT EXISTS (
                SELECT 1 FROM res_partner c
                 WHERE c.parent_id = p.id AND c.active
                   AND COALESCE(c.email, '') != '')
            """
        )

    def _criterion_sql_no_response(self, as_of):
        cutoff = self._cutoff(as_of)
        sent = SQL(" + ").join(self._get_sent_mail_counts_sql(cutoff))
        replied = SQL(" OR ").join(self._get_reply_signals_sql(cutoff))
        return SQL(
            "(%s) >= %s AND NOT (%s)", sent, max(self.threshold_count, 1), replied
        )

    def _get_sent_mail_counts_sql(self, cutoff):
        """Subqueries counting the mails we sent to ``p`` since ``cutoff``.

        Sent the ways Odoo sends mail: a message addressed to the customer or
        one of its contacts (its recipients: chatter *Send message*, the
        composer, ``message_post`` with recipients, templates), or a mail
        rendered on their record (templates, the composer in mass mode).
        Messages they wrote are replies, not mails sent. The Email Marketing
        bridge adds the mailing traces.
        """
        return [
            SQL(
                """
                (SELECT COUNT(*)
                   FROM (SELECT m.id
                           FROM res_partner r
                           JOIN mail_message m
                             ON m.model = 'res.partner' AND m.res_id = r.id
                          WHERE r.commercial_partner_id = p.id
                            AND m.message_type = 'email_outgoing'
                            AND m.date >= %(cutoff)s
                         UNION
                         SELECT m.id
                           FROM res_partner r
                           JOIN mail_message_res_partner_rel rel
                             ON rel.res_partner_id = r.id
                           JOIN mail_message m ON m.id = rel.mail_message_id
                          WHERE r.commercial_partner_id = p.id
                            AND m.message_type IN
                                ('comment', 'notification', 'email_outgoing')
                            AND m.date >= %(cutoff)s) AS sent
                   JOIN mail_message m ON m.id = sent.id
                  WHERE NOT EXISTS (
                        SELECT 1 FROM res_partner a
                         WHERE a.id = m.author_id
                           AND a.commercial_partner_id = p.id))
                """,
                cutoff=cutoff,
            )
        ]

    def _get_reply_signals_sql(self, cutoff):
        """EXISTS conditions: ``p`` replied since ``cutoff`` (bridges add theirs)."""
        return [self._family_messages_sql(SQL("m.date >= %s", cutoff))]

    def _criterion_sql_unsubscribed(self, as_of):
        return SQL(" OR ").join(self._get_unsubscribed_sql())

    def _get_unsubscribed_sql(self):
        """Conditions on ``p``: the customer asked not to be mailed."""
        return [
            SQL(
                """
                EXISTS (
                    SELECT 1 FROM mail_blacklist b
                     WHERE b.active AND b.email = p.email_normalized)
                """
            )
        ]

    def _criterion_sql_bounced(self, as_of):
        return SQL("p.message_bounce >= %s", max(self.threshold_count, 1))

    def _criterion_sql_complaints(self, as_of):
        cutoff = self._cutoff(as_of)
        return SQL(
            """
            (SELECT COUNT(*) FROM mail_activity a
               JOIN res_partner r ON r.id = a.res_id
              WHERE a.res_model = 'res.partner' AND r.commercial_partner_id = p.id
                AND a.activity_type_id = %(type)s AND a.create_date >= %(cutoff)s)
            + (SELECT COUNT(*) FROM mail_message m
               JOIN res_partner r ON r.id = m.res_id
              WHERE m.model = 'res.partner' AND r.commercial_partner_id = p.id
                AND m.mail_activity_type_id = %(type)s AND m.date >= %(cutoff)s)
            >= %(count)s
            """,
            type=self.complaint_activity_type_id.id,
            cutoff=cutoff,
            count=max(self.threshold_count, 1),
        )

    def _criterion_sql_needs_changed(self, as_of):
        return SQL(" OR ").join(self._get_needs_changed_sql(as_of))

    def _get_needs_changed_sql(self, as_of):
        """Conditions on ``p`` meaning its needs moved away from the offer.

        The Sales bridge adds "buys only from discontinued categories".
        """
        if not self.tag_ids:
            return []
        return [
            SQL(
                """
                EXISTS (
                    SELECT 1 FROM res_partner_res_partner_category_rel t
                     WHERE t.partner_id = p.id AND t.category_id = ANY(%s))
                """,
                self.tag_ids.ids,
            )
        ]

    def _detect(self, as_of, id_from, id_to, lock=False):
        """Return (matched ids, {partner_id: exemption}) for one id range.

        With ``lock`` (a run, not a preview), the matched partners are locked
        and returned as {partner_id: status}.
        """
        self.ensure_one()
        self.env.flush_all()
        candidates = self._get_candidates_sql(as_of, id_from, id_to, lock=lock)
        rows = self.env.execute_query(candidates)
        matched = dict(rows) if lock else [row[0] for row in rows]
        exempted = {}
        # Exemptions look at the ids just found, not at the detection query again.
        found = SQL("SELECT unnest(%s::int[]) AS id", list(matched))
        exemptions_sql = self._get_exemptions_sql(found, as_of) if matched else None
        if exemptions_sql:
            for partner_id, exemption in self.env.execute_query(exemptions_sql):
                exempted.setdefault(partner_id, exemption)
        return matched, exempted

    def _get_actionable_sql(self, as_of):
        """SQL of the partner ids the rule would move at ``as_of`` (whole table)."""
        self.ensure_one()
        self._ensure_runnable()
        self.env.flush_all()
        candidates = self._get_candidates_sql(as_of, 0, scheduler.id_bound(self.env))
        exemptions = self._get_exemptions_sql(candidates, as_of)
        if not exemptions:
            return candidates
        return SQL(
            """
            SELECT id FROM (%s) AS matched
             WHERE id NOT IN (SELECT e.pid FROM (%s) AS e(pid, why))
            """,
            candidates,
            exemptions,
        )

    def _get_revenue_sql(self, partners_sql, as_of):
        """SQL of the revenue of the last 12 months of ``partners_sql``, or None
        when no sales app is installed (the Invoicing bridge provides it)."""
        return None

    @api.model
    def _last_activity_sql(self, partner_ids):
        """SQL of (commercial partner id, date) activity signals of
        ``partner_ids`` (the managers' export): messages their people wrote;
        bridges add orders and invoices."""
        return SQL(
            """
            SELECT p.commercial_partner_id, m.date
              FROM mail_message m
              JOIN res_partner p ON p.id = m.author_id
             WHERE p.commercial_partner_id = ANY(%(ids)s)
               AND m.message_type IN ('email', 'comment')
            """,
            ids=partner_ids,
        )
