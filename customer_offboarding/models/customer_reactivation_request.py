import logging

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..const import (
    MANAGER_GROUP,
    MAX_NOTE_LENGTH,
    OPERATIONS,
    REQUEST_SOURCES,
    REQUEST_STATES,
    USER_GROUP,
)

# The moves back to active a request approves (from every offboarding status).
REQUEST_OPERATIONS = tuple(
    name for name, operation in OPERATIONS.items() if operation.target == "active"
)
# Cases whose customer is told it is offboarded: new activity of theirs opens
# an automatic request.
ACTIVITY_CASE_STATES = ("retiring", "retired", "archived")

_logger = logging.getLogger(__name__)


class CustomerReactivationRequest(models.Model):
    _name = "customer.reactivation.request"
    _description = "Customer Reactivation Request"
    _inherit = ["mail.thread", "mail.activity.mixin", "customer.offboarding.guard"]
    _order = "id desc"
    _check_company_auto = True
    # The decision note is written by the decider; the rest by the request's
    # own methods (submit, approve, refuse).
    _offboarding_user_fields = ("decision_note",)
    _offboarding_fixed_fields = ("company_id", "partner_id", "case_id")

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    case_id = fields.Many2one(
        "customer.offboarding.case",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda s: s.env.company
    )
    source = fields.Selection(REQUEST_SOURCES, required=True, readonly=True)
    state = fields.Selection(
        REQUEST_STATES,
        required=True,
        readonly=True,
        default="submitted",
        tracking=True,
        index=True,
    )
    message = fields.Text(
        readonly=True, help="What the customer or the salesperson wrote."
    )
    trigger = fields.Char(
        readonly=True,
        help="Automatic requests: the activity that created the request.",
    )
    tier = fields.Selection(related="case_id.tier")
    requester_id = fields.Many2one(
        "res.partner",
        string="Requested By",
        readonly=True,
        help="Who is told of the decision: the customer, or the salesperson. "
        "Nobody for automatic requests: the customer did not ask.",
    )
    decided_uid = fields.Many2one("res.users", string="Decided By", readonly=True)
    decision_date = fields.Datetime(string="Decided On", readonly=True)
    decision_note = fields.Text(tracking=True)

    def init(self):
        # One request under review per case: the page, the salesperson and
        # automatic triggers all land on it.
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS customer_reactivation_request_open_uniq
                ON customer_reactivation_request (case_id)
             WHERE state = 'submitted'
            """
        )

    @api.depends("partner_id", "source")
    def _compute_display_name(self):
        for request in self:
            request.display_name = self.env._(
                "Reactivation of %(partner)s", partner=request.partner_id.display_name
            )

    # ------------------------------------------------------------------
    # Creation
    # ------------------------------------------------------------------

    @api.model
    def _submit(self, cases, source, message=None, requester=None, trigger=None):
        """Open a request for each case without one under review.

        Set-based (INSERT … ON CONFLICT on the partial unique index): a repeated
        click, a second inbound mail or a concurrent order never makes two.
        Returns the requests created.
        """
        cases = cases.filtered(lambda c: c.is_open)
        if not cases:
            return self.browse()
        self.env.flush_all()
        now = fields.Datetime.now()
        rows = self.env.execute_query(
            SQL(
                """
                INSERT INTO customer_reactivation_request
                       (partner_id, case_id, company_id, source, state, message,
                        trigger, requester_id,
                        create_uid, create_date, write_uid, write_date)
                SELECT c.partner_id, c.id, c.company_id, %(source)s, 'submitted',
                       %(message)s, %(trigger)s, %(requester)s,
                       %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM customer_offboarding_case c
                 WHERE c.id = ANY(%(cases)s)
                ON CONFLICT (case_id) WHERE state = 'submitted' DO NOTHING
                RETURNING id
                """,
                source=source,
                message=message or None,
                trigger=trigger or None,
                requester=requester.id if requester else None,
                uid=self.env.uid,
                now=now,
                cases=cases.ids,
            )
        )
        requests = self.browse([row[0] for row in rows])
        if requests:
            requests._after_submit()
        return requests

    def _after_submit(self):
        """Auto-approve where the settings allow it, else ask the approvers.

        An auto-approval that fails (the customer moved meanwhile, a template
        was deleted) leaves the request to a human: it runs inside the
        customer's own request, mail or order, which must not fail for it.
        """
        auto = self.filtered(
            lambda r: r.company_id.offboarding_auto_approve and r.tier != "high"
        )
        for request in self - auto:
            request._schedule_approval()
        for request in auto:
            try:
                with self.env.cr.savepoint():
                    request.sudo()._approve(
                        self.env._("Approved automatically (mid and low tier setting).")
                    )
            except Exception:  # noqa: BLE001 - reviewed by a human instead
                _logger.exception(
                    "Customer offboarding: request %s not approved automatically",
                    request.id,
                )
                request._schedule_approval()

    def _schedule_approval(self):
        company = self.company_id
        owner = self.case_id.user_id
        if owner and not owner.has_group(USER_GROUP):
            owner = None  # a salesperson who cannot open the request
        approver = (self.tier != "high" and owner) or (
            company._offboarding_responsible()
        )
        if approver:
            self.sudo().activity_schedule(
                "customer_offboarding.mail_activity_type_reactivation_review",
                user_id=approver.id,
                summary=self.env._("Review the reactivation request"),
            )

    @api.model
    def _request_from_partners(self, partner_ids, message=None):
        """Salespeople: ask for a customer to be reactivated."""
        if not self.env.user.has_group(USER_GROUP):
            raise AccessError(
                self.env._("Only offboarding users can ask for a reactivation.")
            )
        partners = self.env["res.partner"].browse(partner_ids).exists()
        partners.check_access("read")
        cases = partners.with_context(active_test=False).offboarding_case_id
        if not cases:
            raise UserError(
                self.env._("These customers have no open offboarding case.")
            )
        return self.sudo()._submit(
            cases.sudo(),
            "salesperson",
            message=message,
            requester=self.env.user.partner_id,
        )

    @api.model
    def _submit_for_activity(self, partners, trigger, companies=None):
        """A retiring, retired or archived customer is active again (new order,
        inbound email): open an automatic reactivation request in each of
        ``companies`` (default: every company) that offboards it.

        Called from Odoo's own flows (the mail gateway, order confirmation):
        it never makes them fail. An error is logged and the flow goes on
        without the request.
        """
        try:
            with self.env.cr.savepoint():
                self._submit_automatic(partners, trigger, companies)
        except Exception:  # noqa: BLE001 - the customer's mail or order comes first
            _logger.exception(
                "Customer offboarding: no automatic reactivation request for "
                "partners %s (%s)",
                partners.ids,
                trigger,
            )

    @api.model
    def _submit_automatic(self, partners, trigger, companies):
        commercial_ids = partners.with_context(
            active_test=False
        ).commercial_partner_id.ids
        if not commercial_ids:
            return
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT c.id
                  FROM customer_offboarding_case c
                 WHERE c.partner_id = ANY(%(ids)s)
                   AND c.state IN %(states)s
                   AND (%(companies)s::int[] IS NULL
                        OR c.company_id = ANY(%(companies)s::int[]))
                """,
                ids=commercial_ids,
                states=ACTIVITY_CASE_STATES,
                companies=companies.ids if companies is not None else None,
            )
        )
        if not rows:
            return
        cases = self.env["customer.offboarding.case"].sudo().browse(r[0] for r in rows)
        for company in cases.company_id:
            self.sudo().with_company(company)._submit(
                cases.filtered(lambda c, co=company: c.company_id == co),
                "automatic",
                trigger=trigger,
            )

    # ------------------------------------------------------------------
    # Decision
    # ------------------------------------------------------------------

    def _check_can_decide(self):
        if self.env.su:
            return
        if not self.env.user.has_group(USER_GROUP):
            raise AccessError(
                self.env._("Only offboarding users can decide reactivation requests.")
            )
        if any(r.tier == "high" for r in self) and not self.env.user.has_group(
            MANAGER_GROUP
        ):
            raise AccessError(
                self.env._(
                    "Only offboarding managers can decide the requests of high "
                    "tier customers."
                )
            )
        self.check_access("write")

    def _check_decision_note(self, note):
        if note is None:
            return
        if not isinstance(note, str):
            raise UserError(self.env._("The decision note must be text."))
        if len(note) > MAX_NOTE_LENGTH:
            raise UserError(
                self.env._(
                    "The decision note is too long: at most %(max)s characters.",
                    max=MAX_NOTE_LENGTH,
                )
            )

    def action_approve(self, note=None):
        """Reactivate the customer: restore what offboarding archived, close the
        case as reactivated, send the welcome-back notice."""
        self._check_can_decide()
        self._check_decision_note(note)
        if self.filtered(lambda r: r.state != "submitted"):
            raise UserError(self.env._("Only submitted requests can be approved."))
        for request in self.sudo():
            request._approve(note)
        return True

    def _approve(self, note=None):
        self.ensure_one()
        case = self.case_id
        partner = case.partner_id.with_company(case.company_id)
        state = partner.offboarding_state
        if not case.is_open or state == "active":
            raise UserError(
                self.env._(
                    "%(partner)s is no longer being offboarded: refuse the request "
                    "with a note instead.",
                    partner=partner.display_name,
                )
            )
        note = (
            note or self.decision_note or self.env._("Reactivation request approved.")
        )
        # A request closes the case as reactivated, even when it only calls
        # off a notice period (a private argument, not a context key).
        operation = next(
            name for name in REQUEST_OPERATIONS if state in OPERATIONS[name].sources
        )
        partner._offboarding_transition(
            operation,
            note=note,
            closing_state="reactivated",
            origin="request",
        )
        self.write(
            {
                "state": "approved",
                "decided_uid": self.env.uid,
                "decision_date": fields.Datetime.now(),
                "decision_note": note,
            }
        )
        self.activity_ids.action_feedback(feedback=note)

    def action_refuse(self, note=None):
        """Keep the offboarding going and tell the requester why."""
        self._check_can_decide()
        if self.filtered(lambda r: r.state != "submitted"):
            raise UserError(self.env._("Only submitted requests can be refused."))
        self._check_decision_note(note)
        for request in self.sudo():
            request._refuse((note or request.decision_note or "").strip())
        return True

    def _refuse(self, reason):
        """Refuse this request for ``reason`` and tell the requester, if any."""
        self.ensure_one()
        if not reason:
            raise UserError(
                self.env._(
                    "Write a decision note: the requester is told why the "
                    "request was refused."
                )
            )
        self.write(
            {
                "state": "refused",
                "decided_uid": self.env.uid,
                "decision_date": fields.Datetime.now(),
                "decision_note": reason,
            }
        )
        self.activity_ids.action_feedback(feedback=reason)
        if not self.requester_id:
            # Automatic requests: the customer did not ask, nobody is told.
            self.message_post(
                body=self.env._("Request refused: %(note)s", note=reason),
                subtype_xmlid="mail.mt_note",
            )
            return
        request_lang = self.with_context(lang=self.requester_id.lang)
        request_lang.message_post(
            body=request_lang.env._(
                "Your reactivation request was not approved: %(note)s",
                note=reason,
            ),
            partner_ids=self.requester_id.ids,
            subtype_xmlid="mail.mt_comment",
            message_type="comment",
        )
