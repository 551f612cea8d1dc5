from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

from ..const import (
    MANAGER_GROUP,
    OPERATIONS,
    REASON_KEPT,
    REASON_REQUIRED,
    RULE_ACTIONS,
)
from ..tools.guard import require_group
from ..tools.transition import Transition, resolve_end_date

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


class CustomerOffboardingRule(models.Model):
    _name = "customer.offboarding.rule"
    _description = "Offboarding Rule"
    _inherit = [
        "mail.thread",
        "customer.offboarding.guard",
        "customer.offboarding.criteria",
    ]
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
        RULE_ACTIONS,
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
        require_group(
            self.env,
            MANAGER_GROUP,
            self.env._("Only offboarding managers can run rules."),
        )
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

    # ------------------------------------------------------------------
    # Applying the action (one id range of a run, as superuser)
    # ------------------------------------------------------------------

    def _apply_action(self, partner_ids, states, run):
        """Move ``partner_ids`` as the rule's action says, step by step.

        ``states`` ({partner_id: status}) comes from the detection that locked
        these partners. Returns the ids of the partners that moved (a
        customer whose notice waits for approval is not archived).
        """
        self.ensure_one()
        if not partner_ids:
            return []
        # Moves are recorded as done by who ran the rules (Run Now), as
        # superuser: the run was checked when it was started.
        partners = (
            self.env["res.partner"]
            .with_user(run.user_id or self.env.user)
            .sudo()
            .with_company(self.company_id)
            .browse(partner_ids)
        )
        moved = set()
        for operation in OPERATIONS[self.action].rule_steps:
            moved |= self._apply_step(operation, partners, states, run)
        moved_partners = partners.browse(sorted(moved))
        if moved_partners and self.activity_type_id:
            self._schedule_activities(moved_partners)
        if moved_partners and self.server_action_id:
            self._run_server_action(moved_partners)
        return moved_partners.ids

    def _apply_step(self, operation, partners, states, run):
        """Apply one lifecycle move to the partners ``states`` shows in its
        source states, then record their new status in ``states``; return
        the ids moved."""
        company = self.company_id
        step = OPERATIONS[operation]
        group = partners.browse(
            [pid for pid in partners.ids if states[pid] in step.sources]
        )
        if operation == "archive":
            # A notice still waiting for approval keeps the customer retired.
            group -= group._offboarding_waiting_notice(company)
        if not group:
            return set()
        group._offboarding_apply(
            states,
            Transition(
                operation,
                company,
                # The rule's reason names the cases it flags or starts; a
                # retirement keeps the reason of an existing case and gives
                # the rule's to the cases it opens.
                reason=self.reason_id
                if step.reason in (REASON_REQUIRED, REASON_KEPT)
                else None,
                open_reason=self.reason_id,
                end_date=resolve_end_date(group.env, operation, None, company),
                origin="rule",
                rule=self,
                run=run,
            ),
        )
        states.update(dict.fromkeys(group.ids, step.target))
        return set(group.ids)

    def _schedule_activities(self, partners):
        """One owner activity per moved customer, created in one batch."""
        deadline = fields.Date.context_today(self) + timedelta(
            days=self.activity_deadline_days
        )
        model_id = self.env["ir.model"]._get_id("res.partner")
        fallback = self.activity_user_id or self.env.user
        self.env["mail.activity"].with_context(mail_activity_quick_update=True).create(
            [
                {
                    "res_model_id": model_id,
                    "res_id": partner.id,
                    "activity_type_id": self.activity_type_id.id,
                    "summary": self.activity_summary or self.name,
                    "date_deadline": deadline,
                    "user_id": (partner.user_id or fallback).id,
                }
                for partner in partners
            ]
        )

    def _run_server_action(self, partners):
        """The rule's server action, on the customers it moved, with the rights
        of the user who attached it (Odoo checks the action's groups against
        that user), never as the scheduler's superuser."""
        user = self.server_action_user_id
        if not user or not (user.active or user._is_superuser()):
            raise UserError(
                self.env._(
                    "The server action of rule “%(rule)s” has nobody to run it as: "
                    "attach it again.",
                    rule=self.name,
                )
            )
        self.server_action_id.with_user(user).with_company(
            self.company_id
        ).with_context(
            active_model="res.partner",
            active_ids=partners.ids,
            active_id=partners.ids[0],
        ).run()
