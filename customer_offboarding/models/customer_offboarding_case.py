import base64
import binascii
import datetime
import re
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, hash_sign, verify_hash_signed

from ..const import (
    CASE_OPEN_STATES,
    CASE_STATES,
    MANAGER_GROUP,
    PORTAL_PURPOSES,
    TIERS,
)
from ..tools.guard import require_group

# Scope of the customer's signed links (HMAC keyed by the database secret).
TOKEN_SCOPE = "customer_offboarding.case"
# A link's token: unpadded URL-safe base64, as hash_sign writes it.
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{40,2000}")
# The customer was told of the cases in these states (a notice went out):
# only their links open a page.
LINK_STATES = ("retiring", "retired", "archived")


class CustomerOffboardingCase(models.Model):
    _name = "customer.offboarding.case"
    _description = "Customer Offboarding Case"
    _inherit = ["mail.thread", "mail.activity.mixin", "customer.offboarding.guard"]
    _order = "flag_date desc, id desc"
    _check_company_auto = True
    # Managers annotate a case; its state and dates move with its customer.
    _offboarding_user_fields = ("note", "legal_hold", "legal_hold_note")
    _offboarding_fixed_fields = ("company_id", "partner_id")

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
        check_company=True,
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        default=lambda self: self.env.company,
    )
    # Not indexed: open states hold most cases (scans), the closed ones are
    # looked up per partner (partner index), and a ledger of a million cases
    # would pay an index entry per transition for nothing.
    state = fields.Selection(
        CASE_STATES,
        required=True,
        readonly=True,
        default="at_risk",
        # Grouped (pivot columns, kanban, list groups) in lifecycle order.
        group_expand="_expand_states",
    )
    is_open = fields.Boolean(
        compute="_compute_is_open",
        search="_search_is_open",
    )
    reason_id = fields.Many2one(
        "customer.offboarding.reason",
        required=True,
        readonly=True,
        ondelete="restrict",
        check_company=True,
    )
    tier = fields.Selection(
        TIERS,
        readonly=True,
        help="The customer's value tier when the case was opened.",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Owner",
        readonly=True,
        help="The customer's salesperson when the case was opened.",
    )
    flag_date = fields.Datetime(
        string="Opened On",
        required=True,
        readonly=True,
        default=fields.Datetime.now,
    )
    notice_date = fields.Date(
        readonly=True,
        help="The day the customer entered the notice period (Retiring).",
    )
    end_date = fields.Date(
        string="Service End Date",
        readonly=True,
        help="The last day of service announced to the customer.",
    )
    retired_date = fields.Date(readonly=True)
    archived_date = fields.Date(readonly=True)
    closed_date = fields.Date(
        readonly=True,
        help="The day the case was cancelled or the customer reactivated.",
    )
    anonymized_date = fields.Date(
        readonly=True,
        help="The day the customer's personal data was anonymized.",
    )
    legal_hold = fields.Boolean(
        tracking=True,
        copy=False,
        help="The law (a dispute, an audit, a court order) requires keeping this "
        "customer's data: it is not anonymized, on its date or by hand, until a "
        "manager releases the hold.",
    )
    legal_hold_note = fields.Text(
        string="Legal Hold Reason",
        tracking=True,
        copy=False,
        help="Why the data is held, and until when if known.",
    )
    rule_id = fields.Many2one(
        "customer.offboarding.rule",
        readonly=True,
        ondelete="restrict",
        help="The rule that opened the case, if any.",
    )
    revision = fields.Integer(
        readonly=True,
        default=0,
        help="How many times a rule run undo moved this case back.",
    )
    note = fields.Text(tracking=True)
    event_ids = fields.One2many(
        "customer.offboarding.event",
        "case_id",
        string="Events",
        readonly=True,
    )
    archived_partner_ids = fields.Many2many(
        "res.partner",
        "customer_offboarding_case_archived_partner_rel",
        "case_id",
        "partner_id",
        string="Contacts Archived by Offboarding",
        readonly=True,
        context={"active_test": False},
        help="Child contacts this case archived; reactivation restores exactly these.",
    )
    archived_user_ids = fields.Many2many(
        "res.users",
        "customer_offboarding_case_archived_user_rel",
        "case_id",
        "user_id",
        string="Portal Users Deactivated by Offboarding",
        readonly=True,
        context={"active_test": False},
        help="Portal users this case deactivated; reactivation restores exactly these.",
    )

    notice_ids = fields.One2many(
        "customer.offboarding.notice", "case_id", string="Notices", readonly=True
    )
    request_ids = fields.One2many(
        "customer.reactivation.request",
        "case_id",
        string="Reactivation Requests",
        readonly=True,
    )
    keep_in_touch = fields.Boolean(
        readonly=True,
        tracking=True,
        help="The customer agreed, from their page, to receive occasional "
        "non-marketing updates after the end of service.",
    )
    disposal_date = fields.Date(
        string="Data Disposal Date",
        compute="_compute_disposal_date",
        help="The day the customer's personal data is anonymized, unless they "
        "come back: the service end date plus the company's retention period.",
    )
    notice_sender_id = fields.Many2one(
        "res.users",
        string="Notice Owner",
        compute="_compute_notice_contact",
        help="Who calls high tier customers and signs their personal notices: "
        "the salesperson, else the company's offboarding manager.",
    )
    notice_contact_id = fields.Many2one(
        "res.partner",
        string="Human Contact",
        compute="_compute_notice_contact",
        help="The person named in notices: the salesperson, else the company's "
        "support contact.",
    )
    alternative_ids = fields.Many2many(
        "customer.offboarding.alternative",
        string="Alternatives",
        compute="_compute_alternative_ids",
    )
    credit_balance = fields.Monetary(
        compute="_compute_credit_balance",
        currency_field="currency_id",
        help="What the company owes the customer and will refund (needs Invoicing).",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    link_expiry_date = fields.Date(
        string="Links Valid Until",
        compute="_compute_disposal_date",
        help="The customer's links stop working after this day.",
    )
    portal_url = fields.Char(
        string="Customer Page",
        compute="_compute_portal_urls",
        groups="customer_offboarding.group_offboarding_manager",
    )
    export_url = fields.Char(
        string="Data Export Link",
        compute="_compute_portal_urls",
        groups="customer_offboarding.group_offboarding_manager",
    )

    def init(self):
        # At most one open case per partner and company, enforced by the database.
        self.env.cr.execute(
            SQL(
                """
                CREATE UNIQUE INDEX IF NOT EXISTS customer_offboarding_case_open_uniq
                    ON customer_offboarding_case (partner_id, company_id)
                 WHERE state IN %s
                """,
                CASE_OPEN_STATES,
            )
        )
        # The rules' cooldown looks up, for each candidate, a case recently
        # closed by a reactivation or a cancellation: few rows, indexed alone.
        self.env.cr.execute(
            SQL(
                """
                CREATE INDEX IF NOT EXISTS customer_offboarding_case_cooldown_idx
                    ON customer_offboarding_case (partner_id, company_id, closed_date)
                 WHERE state IN ('cancelled', 'reactivated')
                """
            )
        )

    @api.model
    def _expand_states(self, states, domain):
        """The groups of the states present, in lifecycle order."""
        present = set(states)
        return [state for state, _label in CASE_STATES if state in present]

    @api.depends("partner_id", "reason_id")
    def _compute_display_name(self):
        for case in self:
            case.display_name = self.env._(
                "%(partner)s (%(reason)s)",
                partner=case.partner_id.display_name or "",
                reason=case.reason_id.name or "",
            )

    @api.depends("state")
    def _compute_is_open(self):
        for case in self:
            case.is_open = case.state in CASE_OPEN_STATES

    def _search_is_open(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise NotImplementedError(self.env._("Operation not supported."))
        is_open = (operator == "=") == value
        return [("state", "in" if is_open else "not in", CASE_OPEN_STATES)]

    def write(self, vals):
        if {"legal_hold", "legal_hold_note"} & set(vals):
            require_group(
                self.env,
                MANAGER_GROUP,
                self.env._(
                    "Only offboarding managers can place or release a legal hold."
                ),
            )
            if vals.get("legal_hold") and not vals.get("legal_hold_note"):
                if not all(self.mapped("legal_hold_note")):
                    raise UserError(
                        self.env._(
                            "Give the reason of the legal hold (the dispute, the "
                            "audit or the order that requires keeping the data)."
                        )
                    )
            closed = self.filtered(lambda case: not case.is_open)
            if vals.get("legal_hold") and closed:
                raise UserError(
                    self.env._(
                        "A legal hold is placed on an open case: %(cases)s is "
                        "closed (a reactivated customer's new case takes the "
                        "hold; an anonymized customer's data is gone).",
                        cases=", ".join(closed[:5].mapped("display_name")),
                    )
                )
        return super().write(vals)

    @api.model
    def _cron_dispose(self):
        """Scheduled action: anonymize the customers whose disposal date has
        come (see customer.offboarding.disposal)."""
        return self.env["customer.offboarding.disposal"].sudo()._cron_dispose()

    def _open_transition_wizard(self, operation):
        """Open the transition wizard for the partners of these cases."""
        return self.partner_id._offboarding_open_wizard(operation)

    def action_start(self):
        return self._open_transition_wizard("start")

    def action_retire(self):
        return self._open_transition_wizard("retire")

    def action_archive_partner(self):
        return self._open_transition_wizard("archive")

    def action_reactivate(self):
        return self._open_transition_wizard("reactivate")

    def action_cancel(self):
        return self._open_transition_wizard("cancel")

    def action_anonymize(self):
        return self._open_transition_wizard("anonymize")

    # ------------------------------------------------------------------
    # What notices and the customer page say
    # ------------------------------------------------------------------

    def _get_service_end(self):
        self.ensure_one()
        return (
            self.end_date
            or self.retired_date
            or self.archived_date
            or fields.Date.context_today(self)
        )

    @api.depends(
        "end_date",
        "retired_date",
        "archived_date",
        "company_id.offboarding_retention_days",
        "company_id.offboarding_link_days",
    )
    def _compute_disposal_date(self):
        for case in self:
            end = case._get_service_end()
            company = case.company_id
            case.disposal_date = end + timedelta(
                days=company.offboarding_retention_days
            )
            case.link_expiry_date = end + timedelta(days=company.offboarding_link_days)

    @api.depends("user_id", "company_id")
    def _compute_notice_contact(self):
        for case in self:
            company = case.company_id
            owner = case.user_id or case.partner_id.user_id
            case.notice_sender_id = owner or company.offboarding_manager_id
            case.notice_contact_id = (
                owner.partner_id or company.offboarding_contact_id or company.partner_id
            )

    @api.depends("reason_id", "company_id")
    def _compute_alternative_ids(self):
        Alternative = self.env["customer.offboarding.alternative"].sudo()
        found = {}  # one search per company and reason, not per case
        for case in self:
            key = (case.company_id.id, case.reason_id.id)
            if key not in found:
                found[key] = Alternative._for_case(case)
            case.alternative_ids = found[key]

    def _compute_credit_balance(self):
        """Zero here; the Invoicing bridge computes the refundable balance."""
        self.credit_balance = 0.0

    def _compute_portal_urls(self):
        for case in self:
            base = case.get_base_url()
            case.portal_url = base + case._get_portal_url("view")
            case.export_url = base + case._get_portal_url("export")

    # ------------------------------------------------------------------
    # Signed links (contract: _get_portal_url)
    # ------------------------------------------------------------------

    def _get_portal_url(self, purpose="view"):
        """The customer's signed, expiring link of ``purpose`` (relative URL).

        The token is an HMAC (database secret) over the case, its partner and
        the purpose, with an expiry: it cannot be reused for another case,
        partner or purpose, and it stops working after ``link_expiry_date``.
        """
        self.ensure_one()
        if purpose not in PORTAL_PURPOSES:
            raise ValueError(f"Unknown offboarding link purpose: {purpose!r}")
        expiry = datetime.datetime.combine(
            self.link_expiry_date + timedelta(days=1), datetime.time.min
        )
        token = hash_sign(
            self.env(su=True),
            TOKEN_SCOPE,
            {"case": self.id, "partner": self.partner_id.id, "purpose": purpose},
            expiration=expiry,
        )
        return f"/offboarding/{purpose}/{token}"

    @api.model
    def _get_case_from_token(self, purpose, token):
        """The case a valid, unexpired ``purpose`` token names, else nothing.

        Only the canonical spelling of a token is accepted (base64 decoders
        ignore padding, junk characters and the spare bits of the last
        character: many strings would open the same page). A link stops
        working once its case is closed or past its validity as the settings
        say today, whatever expiry it was signed with.
        """
        Case = self.sudo().browse()
        if purpose not in PORTAL_PURPOSES or not isinstance(token, str):
            return Case
        if not TOKEN_RE.fullmatch(token):
            return Case
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            if base64.urlsafe_b64encode(raw).decode().rstrip("=") != token:
                return Case
            payload = verify_hash_signed(self.env(su=True), TOKEN_SCOPE, token)
        except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
            return Case
        if not isinstance(payload, dict) or payload.get("purpose") != purpose:
            return Case
        case_id, partner_id = payload.get("case"), payload.get("partner")
        if not isinstance(case_id, int) or not isinstance(partner_id, int):
            return Case
        case = Case.browse(case_id).exists()
        if not case or case.partner_id.id != partner_id:
            return Case
        if case.state not in LINK_STATES:
            return Case
        today = fields.Date.context_today(case)
        try:
            # The links and the export end with the data, on the disposal date
            # (the server's date, as the disposal's: no time zone moves it).
            expired = (
                case.link_expiry_date < today
                or case.disposal_date <= fields.Date.today()
            )
        except (OverflowError, ValueError):
            expired = True
        if expired:
            return Case
        return case

    # ------------------------------------------------------------------
    # The customer's page (called by the controller, as superuser, after the
    # token was verified)
    # ------------------------------------------------------------------

    def _get_portal_values(self):
        self.ensure_one()
        states = dict(self._fields["state"]._description_selection(self.env))
        return {
            "case": self,
            "partner": self.partner_id,
            "company": self.company_id,
            "state_label": states.get(self.state, ""),
            "is_open": self.is_open,
            "mode": self.company_id._offboarding_mode(self.partner_id.offboarding_tier),
            "export_url": self._get_portal_url("export"),
            "stay_url": self._get_portal_url("stay"),
            "keep_url": self._get_portal_url("keep_in_touch"),
            "pending_request": self.request_ids.filtered(
                lambda r: r.state == "submitted"
            )[:1],
        }

    def _portal_request_stay(self, message):
        """'I want to stay': one reactivation request under review per case."""
        self.ensure_one()
        if not self.is_open:
            return self.env["customer.reactivation.request"]
        if not isinstance(message, str):
            message = ""
        message = message.strip()[:4000]
        requests = (
            self.env["customer.reactivation.request"]
            .sudo()
            ._submit(self, "customer", message=message, requester=self.partner_id)
        )
        if requests:
            self.message_post(
                body=self.env._("The customer asked to stay, from their page."),
                subtype_xmlid="mail.mt_note",
            )
        return requests

    def _portal_set_keep_in_touch(self, keep):
        """Record the customer's choice of occasional updates after retirement."""
        self.ensure_one()
        keep = bool(keep)
        if self.keep_in_touch != keep:
            self.keep_in_touch = keep
        return True

    def _offboarding_export_xlsx(self):
        """(bytes, file name) of the customer's data, in the customer's language."""
        self.ensure_one()
        return self.env["customer.offboarding.data.export"]._xlsx(self)

    def _offboarding_export_json(self):
        """(bytes, file name) of the same data, machine-readable (JSON)."""
        self.ensure_one()
        return self.env["customer.offboarding.data.export"]._json(self)
