import ast
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.osv import expression
from odoo.tools import SQL, Query

from ..const import MANAGER_GROUP
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
# Partner fields that run a rule's detection when searched: a rule's domain
# naming them would run rules inside rules.
SEARCH_ONLY_FIELDS = ("offboarding_rule_match_id", "offboarding_preview_id")
# About a hundred years: beyond, the dates a rule computes leave the calendar.
MAX_DAYS = 36500

CRITERIA = [
    ("inactivity", "Inactivity"),
    ("key_contact_left", "Key Contact Left"),
    ("no_response", "No Response"),
    ("unsubscribed", "Unsubscribed"),
    ("bounced", "Bounced"),
    ("complaints", "Complaints"),
    ("declining_purchases", "Declining Purchases"),
    ("low_value", "Low Value"),
    ("high_cost", "High Cost to Serve"),
    ("needs_changed", "Needs Changed"),
    ("custom", "Custom Domain"),
]
ACTIONS = [
    ("flag", "Flag at Risk"),
    ("start", "Start Offboarding"),
    ("retire", "Retire"),
    ("archive", "Archive"),
]
# The states a rule action may move a partner from: a rule never skips legal
# transitions (archive retires first when needed).
ACTION_SOURCES = {
    "flag": ("active",),
    "start": ("active", "at_risk"),
    "retire": ("active", "at_risk", "retiring"),
    "archive": ("active", "at_risk", "retiring", "retired"),
}
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
# Partner ids are scanned in ranges of this width: one transaction each.
ID_RANGE = 50000
# Rules whose moves send notices render one mail per moved customer in the
# same transaction (about 5 ms each, measured): narrower ranges keep each
# transaction short.
ID_RANGE_NOTICES = 5000
NOTICE_ACTIONS = ("start", "retire", "archive")


class CustomerOffboardingRule(models.Model):
    _name = "customer.offboarding.rule"
    _description = "Offboarding Rule"
    _inherit = ["mail.thread", "customer.offboarding.guard"]
    _order = "sequence, id"
    _check_company_auto = True
    # Managers configure every field but the outcome of the runs; a rule
    # stays in its company (duplicate it for another one).
    _offboarding_user_fields = None
    _offboarding_system_fields = ("last_error", "last_run_id", "server_action_user_id")

    name = fields.Char(required=True, translate=True, tracking=True)
    active = fields.Boolean(default=True, tracking=True)
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
        tracking=True,
    )
    criterion = fields.Selection(
        CRITERIA,
        required=True,
        default="inactivity",
        tracking=True,
        help="Inactivity: no activity from the chosen sources for N days.\n"
        "Key Contact Left: a company whose contacts are all archived or have "
        "no email.\n"
        "No Response: at least N mails sent in the last D days and no reply.\n"
        "Unsubscribed: the email address is blacklisted.\n"
        "Bounced: at least N bounced emails.\n"
        "Complaints: at least N activities or messages of the complaint "
        "activity type in the last D days.\n"
        "Declining Purchases, Low Value, High Cost: need Invoicing.\n"
        "Needs Changed: the partner carries one of the chosen tags.\n"
        "Custom Domain: any condition on contacts.",
    )
    days = fields.Integer(
        default=180,
        tracking=True,
        help="Inactivity: days without activity. No Response and Complaints: "
        "the window, in days. Value criteria: the period, in days.",
    )
    threshold_count = fields.Integer(
        default=3,
        tracking=True,
        help="No Response: mails sent. Bounced: bounces. Complaints: complaints.",
    )
    threshold_amount = fields.Float(
        tracking=True,
        help="Low Value: revenue, in the company currency, below which a "
        "customer matches.",
    )
    threshold_percent = fields.Float(
        default=50.0,
        tracking=True,
        help="Declining Purchases: drop versus the previous period. High Cost: "
        "refunds as a share of invoiced.",
    )
    scope_domain = fields.Char(
        default="[]",
        help="Which contacts the rule may touch. Only companies and individuals "
        "without a parent company are considered (contacts follow them).",
    )
    customers_only = fields.Boolean(
        default=True,
        help="Only contacts that bought something (customer rank > 0, when "
        "Invoicing or Sales is installed).",
    )
    custom_domain = fields.Char(
        default="[]",
        help="Custom Domain criterion: the contacts that match.",
    )
    source_sale = fields.Boolean(
        string="Confirmed Sales Orders", help="Needs the Sales app."
    )
    source_invoice = fields.Boolean(
        string="Posted Customer Invoices", help="Needs the Invoicing app."
    )
    source_message = fields.Boolean(
        string="Messages from the Customer",
        default=True,
        help="Emails and messages written by the customer or its contacts.",
    )
    source_activity = fields.Boolean(
        string="Done Activities",
        default=True,
        help="Activities done on the customer.",
    )
    source_lead = fields.Boolean(
        string="Opportunities Updated", help="Needs the CRM app."
    )
    tag_ids = fields.Many2many(
        "res.partner.category",
        "customer_offboarding_rule_tag_rel",
        string="Tags",
        help="Needs Changed: contacts with one of these tags match (with Sales, "
        "also customers who only buy from discontinued product categories).",
    )
    complaint_activity_type_id = fields.Many2one(
        "mail.activity.type",
        help="Complaints: the activity type that records a complaint.",
    )
    reason_id = fields.Many2one(
        "customer.offboarding.reason",
        required=True,
        check_company=True,
        tracking=True,
    )
    action = fields.Selection(
        ACTIONS,
        required=True,
        default="flag",
        tracking=True,
        help="What happens to matching customers. A rule never skips a step: "
        "Archive retires first when needed.",
    )
    exempt_tag_ids = fields.Many2many(
        "res.partner.category",
        "customer_offboarding_rule_exempt_tag_rel",
        string="Never Offboard Tags",
        default=lambda self: self.env.ref(
            "customer_offboarding.partner_category_never_offboard",
            raise_if_not_found=False,
        ),
        help="Contacts with one of these tags are never touched by the rule.",
    )
    exempt_active_users = fields.Boolean(
        string="Exempt Contacts with Users",
        default=True,
        help="Skip customers linked to an active user (portal or internal).",
    )
    cooldown_days = fields.Integer(
        default=90,
        help="Skip customers reactivated or whose offboarding was cancelled "
        "fewer than this many days ago. The company's reactivation cooldown "
        "(Settings) applies when it is longer.",
    )
    activity_type_id = fields.Many2one(
        "mail.activity.type",
        string="Owner Activity",
        help="Schedule this activity for each customer the rule moves, "
        "assigned to its salesperson (else to the Activity Fallback user).",
    )
    activity_summary = fields.Char()
    activity_deadline_days = fields.Integer(
        string="Activity Deadline (days)",
        default=7,
    )
    activity_user_id = fields.Many2one(
        "res.users",
        string="Activity Fallback User",
        default=lambda self: self.env.user,
        help="Gets the activity of customers without a salesperson.",
    )
    server_action_id = fields.Many2one(
        "ir.actions.server",
        domain="[('model_id.model', '=', 'res.partner')]",
        help="Run this server action on the customers the rule moves (active_ids), "
        "with the rights of the user who attached it. Only users who may create "
        "server actions (Administration / Settings) attach one.",
    )
    server_action_user_id = fields.Many2one(
        "res.users",
        string="Server Action Runs As",
        readonly=True,
        copy=False,
        help="Who attached the server action: it runs with this user's rights.",
    )
    supported_sources = fields.Char(
        compute="_compute_supported_sources",
        help="Technical: the inactivity signals this database's apps provide.",
    )
    last_error = fields.Text(readonly=True, copy=False)
    last_run_id = fields.Many2one("customer.offboarding.run", readonly=True, copy=False)

    _sql_constraints = [
        ("days_positive", "CHECK(days >= 0)", "Days cannot be negative."),
        (
            "threshold_count_positive",
            "CHECK(threshold_count >= 0)",
            "The count threshold cannot be negative.",
        ),
        (
            "cooldown_days_positive",
            "CHECK(cooldown_days >= 0)",
            "The cooldown cannot be negative.",
        ),
    ]

    def _compute_supported_sources(self):
        supported = " ".join(sorted(self._get_supported_sources()))
        for rule in self:
            rule.supported_sources = supported

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._offboarding_check_server_action(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._offboarding_check_server_action(vals)
        return super().write(vals)

    def _offboarding_check_server_action(self, vals):
        """Only a user who may create server actions attaches one, and the
        action then runs with that user's rights (not the scheduler's)."""
        if not vals.get("server_action_id"):
            if "server_action_id" in vals:
                vals["server_action_user_id"] = False
            return
        if not (
            self.env.su or self.env["ir.actions.server"].browse().has_access("create")
        ):
            raise AccessError(
                self.env._(
                    "Only users who may create server actions (Administration / "
                    "Settings) can attach one to a rule."
                )
            )
        vals["server_action_user_id"] = self.env.user.id

    @api.ondelete(at_uninstall=False)
    def _unlink_except_in_ledger(self):
        """The ledger names the rule of each move it made: such a rule is
        archived, not deleted."""
        self.env.flush_all()
        used = self.env.execute_query(
            SQL(
                """
                SELECT DISTINCT rule_id FROM customer_offboarding_event
                 WHERE rule_id = ANY(%(ids)s)
                UNION
                SELECT DISTINCT rule_id FROM customer_offboarding_case
                 WHERE rule_id = ANY(%(ids)s)
                """,
                ids=self.ids,
            )
        )
        if used:
            raise UserError(
                self.env._(
                    "%(rules)s moved customers: the offboarding ledger names it. "
                    "Archive the rule instead of deleting it.",
                    rules=", ".join(self.browse(r[0] for r in used).mapped("name")),
                )
            )

    @api.constrains("name")
    def _check_name(self):
        for rule in self:
            if not (rule.name or "").strip():
                raise ValidationError(self.env._("Give the rule a name."))

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

    @api.constrains("activity_user_id", "company_id")
    def _check_activity_user(self):
        for rule in self:
            user = rule.activity_user_id
            if user and rule.company_id not in user.sudo().company_ids:
                raise ValidationError(
                    self.env._(
                        "Rule “%(rule)s”: %(user)s does not work for %(company)s "
                        "and cannot get its activities.",
                        rule=rule.name,
                        user=user.name,
                        company=rule.company_id.name,
                    )
                )

    @api.constrains("scope_domain", "custom_domain")
    def _check_domains(self):
        for rule in self:
            for fname in ("scope_domain", "custom_domain"):
                rule._parse_domain(fname, raise_validation=True)

    @api.constrains("criterion", "source_sale", "source_invoice", "source_lead")
    def _check_sources(self):
        for rule in self:
            missing = rule._get_missing_apps()
            if missing:
                raise ValidationError(missing)

    # ------------------------------------------------------------------
    # Configuration checks
    # ------------------------------------------------------------------

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
                self._get_criterion_sql(as_of, (id_from, id_to)),
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

    def _get_scope_query(self, extra_domain, condition):
        """Query over the alias ``p`` of the commercial partners in the rule's
        scope (its domains, its company, customers only), with ``condition``.
        The database's own companies are never customers."""
        Partner = self.env["res.partner"].with_company(self.company_id)
        domain = expression.AND(
            [
                self._parse_domain("scope_domain"),
                extra_domain,
                [
                    "|",
                    ("company_id", "=", False),
                    ("company_id", "=", self.company_id.id),
                ],
            ]
        )
        if self.customers_only and "customer_rank" in Partner._fields:
            domain = expression.AND([domain, [("customer_rank", ">", 0)]])
        if self.criterion == "custom":
            domain = expression.AND([domain, self._parse_domain("custom_domain")])
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
            ACTION_SOURCES[self.action],
        )

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

    def _get_criterion_sql(self, as_of, id_range):
        """The criterion as an SQL condition on the partner alias ``p``.

        ``id_range`` bounds the partners of this pass, for criteria that
        aggregate another table. Bridge modules add ``_criterion_sql_<code>``
        methods for the signals of their app.
        """
        if self.criterion == "custom":
            return SQL("TRUE")  # the custom domain is part of the scope
        return getattr(self, f"_criterion_sql_{self.criterion}")(as_of, id_range)

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

    def _criterion_sql_inactivity(self, as_of, id_range):
        cutoff = self._cutoff(as_of)
        condition = SQL("p.create_date < %s", cutoff)
        for signal in self._get_activity_signals_sql(cutoff, id_range):
            condition = SQL("%s AND NOT %s", condition, signal)
        return condition

    def _get_activity_signals_sql(self, cutoff, id_range):
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

    def _criterion_sql_key_contact_left(self, as_of, id_range):
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

    def _criterion_sql_no_response(self, as_of, id_range):
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

    def _criterion_sql_unsubscribed(self, as_of, id_range):
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

    def _criterion_sql_bounced(self, as_of, id_range):
        return SQL("p.message_bounce >= %s", max(self.threshold_count, 1))

    def _criterion_sql_complaints(self, as_of, id_range):
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

    def _criterion_sql_needs_changed(self, as_of, id_range):
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
        checks = []
        if self.exempt_tag_ids:
            checks.append(
                SQL(
                    """
                    SELECT t.partner_id, 'tag'
                      FROM res_partner_res_partner_category_rel t
                     WHERE t.partner_id IN (SELECT id FROM candidates)
                       AND t.category_id = ANY(%s)
                    """,
                    self.exempt_tag_ids.ids,
                )
            )
        if self.exempt_active_users:
            checks.append(
                SQL(
                    """
                    SELECT r.commercial_partner_id, 'user'
                      FROM res_users u JOIN res_partner r ON r.id = u.partner_id
                     WHERE u.active
                       AND r.commercial_partner_id IN (SELECT id FROM candidates)
                    """
                )
            )
        cooldown_days = max(
            self.cooldown_days, self.company_id.offboarding_cooldown_days
        )
        if cooldown_days:
            checks.append(
                SQL(
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
            )
        if self.action == "archive":
            checks.append(self._get_shared_exemption_sql())
        return checks

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
                   NOT IN ('retired', 'archived')
            """,
            company=self.company_id.id,
        )

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
        candidates = self._get_candidates_sql(as_of, 0, self._get_id_bound())
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

    def _get_id_bound(self):
        rows = self.env.execute_query(
            SQL("SELECT COALESCE(MAX(id), 0) + 1 FROM res_partner")
        )
        return rows[0][0]

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_preview(self):
        """Open a preview of what the rule would do today; nothing is written."""
        self.ensure_one()
        self._ensure_runnable()
        preview = self.env["customer.offboarding.preview"].create({"rule_id": self.id})
        preview._count_matches()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Preview: %(rule)s", rule=self.name),
            "res_model": "customer.offboarding.preview",
            "res_id": preview.id,
            "view_mode": "form",
            "target": "new",
        }

    def action_run_now(self):
        """Queue a run of these rules now (one per company); the scheduled
        action processes it.

        The run happens in the cron worker (batches committed one by one, no
        HTTP time limit); its form shows the progress.
        """
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(self.env._("Only offboarding managers can run rules."))
        if not self:
            raise UserError(self.env._("Select the rules to run."))
        self.check_access("write")
        runs = (
            self.env["customer.offboarding.run"].sudo()._start(self, trigger="manual")
        )
        self.env.ref("customer_offboarding.ir_cron_evaluate_rules").sudo()._trigger()
        action = {
            "type": "ir.actions.act_window",
            "res_model": "customer.offboarding.run",
            "view_mode": "form",
            "res_id": runs[:1].id,
        }
        if len(runs) > 1:
            action.update(view_mode="list,form", domain=[("id", "in", runs.ids)])
            del action["res_id"]
        return action

    @api.model
    def _cron_evaluate(self):
        """Scheduled action: start today's run of each company's active rules
        (once a day), then work on the unfinished runs, oldest first, within
        the call's time budget (the scheduler calls again while work remains)."""
        Run = self.env["customer.offboarding.run"].sudo()
        Run._start_daily_runs(self.sudo().search([]))
        Run._cron_execute()
