import logging
import time
from collections import defaultdict
from datetime import timedelta

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.osv import expression
from odoo.tools import SQL
from odoo.tools.mail import generate_tracking_message_id

from ..const import (
    CASE_OPEN_STATES,
    CLOSING_STATE,
    MANAGER_GROUP,
    MAX_END_DAYS,
    MAX_NOTE_LENGTH,
    NOTICE_ON_STATE,
    OPERATIONS,
    PARTNER_STATES,
    TIERS,
    USER_GROUP,
)
from ..tools.guard import MERGE_KEY, internal, is_internal
from ..tools.transition import Transition

# What a plain offboarding user may do, and from which states.
USER_OPERATIONS = {"flag": ("active",), "cancel": ("at_risk",)}
# Operations that open a new case when the partner has none, and so need a reason.
REASON_OPERATIONS = ("flag", "start", "retire")
# Offboarding fields Odoo's partner merge copies between the merged contacts:
# the destination keeps its own (see _offboarding_check_mergeable).
MERGE_KEPT_FIELDS = (
    "offboarding_state",
    "offboarding_tier",
    "offboarding_tier_override",
)
MAX_NAMES = 5

_logger = logging.getLogger(__name__)
# The case dates an undo back to a state clears: those of the later steps.
REVERT_CLEARS = {
    "at_risk": ("notice_date", "end_date", "retired_date", "archived_date"),
    "retiring": ("retired_date", "archived_date"),
    "retired": ("archived_date",),
}


class ResPartner(models.Model):
    _inherit = "res.partner"

    offboarding_state = fields.Selection(
        PARTNER_STATES,
        string="Offboarding Status",
        company_dependent=True,
        readonly=True,
        copy=False,
        # Internal users only: a portal user reading its own partner must not
        # learn that it is at risk before anybody told it.
        groups="base.group_user",
        # Grouped (kanban columns, list groups) in lifecycle order.
        group_expand="_offboarding_expand_states",
        # Odoo indexes company-dependent columns (btree on the whole jsonb) by
        # default; lookups here read one company's key, which that index cannot
        # serve, and every status change would have to update it.
        index=False,
        help="Where this customer stands in the offboarding lifecycle of the "
        "current company. Contacts show their company's status.",
    )
    offboarding_tier = fields.Selection(
        TIERS,
        string="Value Tier",
        company_dependent=True,
        readonly=True,
        copy=False,
        groups=USER_GROUP,
        index=False,
        help="How much personal attention offboarding this customer deserves: "
        "high (personal contact), mid (standard notice with a named contact), "
        "low (automated notice).",
    )
    offboarding_tier_override = fields.Selection(
        TIERS,
        string="Value Tier Override",
        company_dependent=True,
        copy=False,
        # Read by offboarding users; written by offboarding managers (write()).
        groups=USER_GROUP,
        index=False,
        tracking=True,
        help="Set a tier by hand: it wins over the tier computed from revenue. "
        "Clear it to go back to the computed tier.",
    )
    offboarding_case_id = fields.Many2one(
        "customer.offboarding.case",
        string="Open Offboarding Case",
        compute="_compute_offboarding_case_id",
        search="_search_offboarding_case_id",
        groups=USER_GROUP,
    )
    offboarding_reason_id = fields.Many2one(
        related="offboarding_case_id.reason_id",
        string="Offboarding Reason",
        groups=USER_GROUP,
    )
    offboarding_end_date = fields.Date(
        related="offboarding_case_id.end_date",
        string="Service End Date",
        groups=USER_GROUP,
    )

    offboarding_case_count = fields.Integer(
        compute="_compute_offboarding_counts",
        groups=USER_GROUP,
        help="Offboarding cases of this customer in the current company.",
    )
    offboarding_notice_count = fields.Integer(
        compute="_compute_offboarding_counts", groups=USER_GROUP
    )
    offboarding_request_count = fields.Integer(
        compute="_compute_offboarding_counts", groups=USER_GROUP
    )

    offboarding_rule_match_id = fields.Many2one(
        "customer.offboarding.rule",
        string="Matched by Offboarding Rule",
        compute="_compute_offboarding_rule_match_id",
        search="_search_offboarding_rule_match_id",
        groups=USER_GROUP,
        help="Search only: the customers a rule would act on today.",
    )

    offboarding_preview_id = fields.Many2one(
        "customer.offboarding.preview",
        string="In Offboarding Preview",
        compute="_compute_offboarding_rule_match_id",
        search="_search_offboarding_preview_id",
        groups=MANAGER_GROUP,
        help="Search only: the customers a rule preview found.",
    )

    @api.depends_context("company")
    def _compute_offboarding_counts(self):
        """One grouped count per model for all the partners shown."""
        commercial = self.commercial_partner_id
        company = self.env.company
        counts = {}
        for model in (
            "customer.offboarding.case",
            "customer.offboarding.notice",
            "customer.reactivation.request",
        ):
            rows = (
                self.env[model]
                .sudo()
                ._read_group(
                    [
                        ("partner_id", "in", commercial.ids),
                        ("company_id", "=", company.id),
                    ],
                    ["partner_id"],
                    ["__count"],
                )
            )
            counts[model] = {partner.id: count for partner, count in rows}
        for partner in self:
            key = partner.commercial_partner_id.id
            partner.offboarding_case_count = counts["customer.offboarding.case"].get(
                key, 0
            )
            partner.offboarding_notice_count = counts[
                "customer.offboarding.notice"
            ].get(key, 0)
            partner.offboarding_request_count = counts[
                "customer.reactivation.request"
            ].get(key, 0)

    @api.model
    def _offboarding_expand_states(self, states, domain):
        """The groups of the statuses present, in lifecycle order."""
        present = set(states)
        return [state for state, _label in PARTNER_STATES if state in present]

    def _search_offboarding_preview_id(self, operator, value):
        if operator != "=" or not isinstance(value, int):
            raise UserError(self.env._("Search a preview with “=” and its id."))
        preview = self.env["customer.offboarding.preview"].browse(value).exists()
        if not preview:
            return expression.FALSE_DOMAIN
        preview.check_access("read")
        preview.flush_recordset(["actionable_ids"])
        ids = SQL(
            """
            (SELECT unnest(string_to_array(actionable_ids, ',')::int[])
               FROM customer_offboarding_preview WHERE id = %s)
            """,
            preview.id,
        )
        return [("id", "in", ids)]

    def _compute_offboarding_rule_match_id(self):
        self.offboarding_rule_match_id = False
        self.offboarding_preview_id = False

    def _search_offboarding_rule_match_id(self, operator, value):
        if operator != "=" or not isinstance(value, int):
            raise UserError(
                self.env._("Search the rule matches with “=” and a rule id.")
            )
        rule = self.env["customer.offboarding.rule"].browse(value).exists()
        if not rule:
            return expression.FALSE_DOMAIN
        rule.check_access("read")
        actionable = rule._get_actionable_sql(fields.Date.context_today(self))
        return [("id", "in", SQL("(%s)", actionable))]

    @api.depends_context("company")
    @api.depends("commercial_partner_id")
    def _compute_offboarding_case_id(self):
        commercial_ids = self.commercial_partner_id.ids
        cases = (
            self.env["customer.offboarding.case"]
            .sudo()
            .search_fetch(
                [
                    ("partner_id", "in", commercial_ids),
                    ("company_id", "=", self.env.company.id),
                    ("state", "in", CASE_OPEN_STATES),
                ],
                ["partner_id"],
            )
        )
        case_ids = {case.partner_id.id: case.id for case in cases}
        Case = self.env["customer.offboarding.case"]
        for partner in self:
            partner.offboarding_case_id = Case.browse(
                case_ids.get(partner.commercial_partner_id.id)
            )

    def _search_offboarding_case_id(self, operator, value):
        # Searched as superuser below: the caller must be allowed the field.
        self._offboarding_check_group()
        domain = [
            ("company_id", "=", self.env.company.id),
            ("state", "in", CASE_OPEN_STATES),
        ]
        Case = self.env["customer.offboarding.case"].sudo()
        if operator in ("=", "!=") and not value:
            # "has no open case" / "has an open case"
            cases = Case._search(domain)
            in_operator = "not in" if operator == "=" else "in"
        else:
            cases = Case._search(domain + [("id", operator, value)])
            in_operator = "in"
        return [("commercial_partner_id", in_operator, cases.subselect("partner_id"))]

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        if not is_internal(self.env):
            for vals in vals_list:
                if vals.get("offboarding_state") not in (None, False, "active"):
                    raise UserError(self._offboarding_protected_message())
                vals.pop("offboarding_state", None)
                if vals.get("offboarding_tier") and not self.env.su:
                    # The superuser (data files, scripts) may seed a tier.
                    raise UserError(self._offboarding_tier_protected_message())
                if vals.get("offboarding_tier_override"):
                    self._offboarding_check_tier_override_rights()
            # Nor does a default of the context set them (Odoo's kanban
            # quick-create in a status column sends default_offboarding_state):
            # the context is rebuilt without those keys, which kwargs cannot do.
            self = self.with_context(  # pylint: disable=context-overridden
                {
                    key: value
                    for key, value in self.env.context.items()
                    if key.removeprefix("default_") not in MERGE_KEPT_FIELDS
                }
            )
        for vals in vals_list:
            if vals.get("offboarding_tier_override"):
                vals["offboarding_tier"] = vals["offboarding_tier_override"]
        partners = super().create(vals_list)
        if any(vals.get("parent_id") for vals in vals_list):
            partners._offboarding_sync_from_commercial()
        return partners

    def write(self, vals):
        own = is_internal(self.env)
        if not own:
            vals = self._offboarding_check_write(vals)
        follow_active = "active" in vals and not own
        changed = self
        if follow_active:
            changed = self.with_context(active_test=False).filtered(
                lambda p: p.active != bool(vals["active"])
            )
        if vals.get("offboarding_tier_override"):
            vals = dict(vals, offboarding_tier=vals["offboarding_tier_override"])
        if not own and set(vals) <= {"offboarding_tier_override", "offboarding_tier"}:
            # The override is the offboarding managers' (checked above), who
            # may lack Odoo's right to edit contacts: written as superuser
            # once their read access is checked; tracked under their name.
            self.check_access("read")
            res = super(ResPartner, self.sudo()).write(vals)
        else:
            res = super().write(vals)
        if (
            "offboarding_tier_override" in vals
            and not vals["offboarding_tier_override"]
        ):
            # Back to the computed tier.
            self.sudo().commercial_partner_id._offboarding_compute_tiers(
                self.env.company
            )
        if "parent_id" in vals:
            self._offboarding_sync_from_commercial()
        if follow_active and changed:
            changed._offboarding_follow_native_active(bool(vals["active"]))
        return res

    def _offboarding_check_write(self, vals):
        """The values a caller may write: the status and the computed tier
        only through the lifecycle and the tier computation (a write of the
        current value changes nothing and is dropped), the override only by
        an offboarding manager. Returns the values left to write."""
        if is_internal(self.env, MERGE_KEY):
            # Odoo's partner merge copies every field between the contacts:
            # the destination keeps its own offboarding values.
            return {k: v for k, v in vals.items() if k not in MERGE_KEPT_FIELDS}
        vals = dict(vals)
        for name, message in (
            ("offboarding_state", self._offboarding_protected_message),
            ("offboarding_tier", self._offboarding_tier_protected_message),
        ):
            if name not in vals or (name == "offboarding_tier" and self.env.su):
                continue
            new_value = vals.pop(name) or (name == "offboarding_state" and "active")
            if any(value != new_value for value in self.sudo().mapped(name)):
                raise UserError(message())
        if "offboarding_tier_override" in vals:
            self._offboarding_check_tier_override_rights()
        return vals

    def _offboarding_check_tier_override_rights(self):
        if self.env.su or self.env.user.has_group(MANAGER_GROUP):
            return
        raise AccessError(
            self.env._("Only offboarding managers can set a customer's value tier.")
        )

    def _offboarding_protected_message(self):
        return self.env._(
            "The offboarding status changes only through the offboarding actions "
            "(Flag, Start Offboarding, Retire, Archive, Reactivate, Cancel), "
            "so that every change is recorded."
        )

    def _offboarding_tier_protected_message(self):
        return self.env._(
            "The value tier is computed from revenue: set the Value Tier "
            "Override instead."
        )

    # ------------------------------------------------------------------
    # Actions (buttons)
    # ------------------------------------------------------------------

    def _offboarding_open_wizard(self, operation):
        """Open the transition wizard for these partners and operation."""
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Customer Offboarding"),
            "res_model": "customer.offboarding.transition",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_operation": operation,
                "default_partner_ids": self.commercial_partner_id.ids,
            },
        }

    def action_offboarding_flag(self):
        return self._offboarding_open_wizard("flag")

    def action_offboarding_start(self):
        return self._offboarding_open_wizard("start")

    def action_offboarding_retire(self):
        return self._offboarding_open_wizard("retire")

    def action_offboarding_archive(self):
        return self._offboarding_open_wizard("archive")

    def action_offboarding_reactivate(self):
        return self._offboarding_open_wizard("reactivate")

    def action_offboarding_cancel(self):
        return self._offboarding_open_wizard("cancel")

    def _offboarding_open_related(self, xmlid):
        """The action ``xmlid`` on this customer's records (current company)."""
        self.ensure_one()
        self._offboarding_check_group()
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"create": False}
        return action

    def action_view_offboarding_cases(self):
        return self._offboarding_open_related(
            "customer_offboarding.customer_offboarding_case_action"
        )

    def action_view_offboarding_notices(self):
        return self._offboarding_open_related(
            "customer_offboarding.customer_offboarding_notice_action"
        )

    def action_view_offboarding_requests(self):
        return self._offboarding_open_related(
            "customer_offboarding.customer_reactivation_request_action"
        )

    # ------------------------------------------------------------------
    # Public lifecycle API (contract: batch-safe, access-checked)
    # ------------------------------------------------------------------

    def offboarding_flag(self, reason_code, note=None):
        """Mark these customers at risk (active → at_risk) for a reason."""
        return self._offboarding_transition("flag", reason_code=reason_code, note=note)

    def offboarding_start(self, reason_code, end_date=None, note=None):
        """Start the notice period (→ retiring) ending on ``end_date``."""
        return self._offboarding_transition(
            "start", reason_code=reason_code, end_date=end_date, note=note
        )

    def offboarding_retire(self, note=None, reason_code=None):
        """Stop serving these customers (→ retired)."""
        return self._offboarding_transition(
            "retire", reason_code=reason_code, note=note
        )

    def offboarding_archive(self, note=None):
        """Archive retired customers with the contacts and portal users of them."""
        return self._offboarding_transition("archive", note=note)

    def offboarding_reactivate(self, note=None):
        """Bring retired or archived customers back (→ active)."""
        return self._offboarding_transition("reactivate", note=note)

    def offboarding_cancel(self, note=None):
        """Call off an offboarding that has not retired the customer yet."""
        return self._offboarding_transition("cancel", note=note)

    # ------------------------------------------------------------------
    # Lifecycle engine
    # ------------------------------------------------------------------

    def _offboarding_transition(
        self,
        operation,
        reason_code=None,
        end_date=None,
        note=None,
        closing_state=None,
        origin="manual",
    ):
        """Validate everything, then apply ``operation``; on error, write nothing.

        The caller's rights are checked here (group, operation, read access to
        each customer, company); the writes are then done as superuser, so the
        offboarding roles are enough whatever the user's rights on contacts.
        ``closing_state`` and ``origin`` are for the addon's own callers (a
        reactivation request): they are no arguments of the public methods.
        """
        self._offboarding_check_group()
        missing = self - self.exists()
        if missing:
            raise MissingError(
                self.env._(
                    "These contacts do not exist or were deleted: %(ids)s.",
                    ids=", ".join(str(pid) for pid in missing.ids),
                )
            )
        self.check_access("read")
        # Archived partners are offboarded too (reactivation), but the searches
        # made on their behalf must keep Odoo's default of active records only.
        partners = self.with_context(
            active_test=False
        ).commercial_partner_id.with_context(active_test=True)
        if not partners:
            return True
        partners.check_access("read")
        partners._offboarding_check_not_a_company()
        company = self.env.company
        note = self._offboarding_clean_note(note)
        reason = self._offboarding_resolve_reason(operation, reason_code)
        end_date = self._offboarding_resolve_end_date(operation, end_date, company)
        partners._offboarding_check_company(company)
        states = partners.sudo()._offboarding_read_states(company)
        partners._offboarding_check_legal(operation, states)
        if operation == "start" and not reason:
            partners._offboarding_check_reason_kept(states)
        self._offboarding_check_operation_rights(operation, states)
        if operation == "archive":
            partners.sudo()._offboarding_check_archivable(company)
        partners.sudo()._offboarding_apply(
            company,
            states,
            Transition(
                operation,
                reason=reason,
                open_reason=self._offboarding_default_reason(operation, reason),
                end_date=end_date,
                note=note,
                closing_state=closing_state,
                origin=origin,
            ),
        )
        return True

    def _offboarding_default_reason(self, operation, reason):
        """The reason of a case a move opens without being given one."""
        if reason or operation != "retire":
            return reason
        return self.env.ref("customer_offboarding.reason_other")

    def _offboarding_check_not_a_company(self):
        """The partners of the database's companies are never offboarded."""
        companies = (
            self.env["res.company"]
            .sudo()
            .with_context(active_test=False)
            .search([("partner_id", "in", self.ids)])
        )
        if companies:
            raise UserError(
                self.env._(
                    "%(partners)s is a company of this database, not a customer: "
                    "it is never offboarded.",
                    partners=self._offboarding_names(companies.partner_id),
                )
            )

    def _offboarding_check_reason_kept(self, states):
        """Starting without a reason keeps the case's: every partner needs one."""
        new = self.filtered(lambda p: states[p.id] == "active")
        if new:
            raise UserError(
                self.env._(
                    "Give the reason of this offboarding: %(partners)s have no "
                    "case yet to keep it from.",
                    partners=self._offboarding_names(new),
                )
            )

    def _offboarding_check_group(self):
        if self.env.su or self.env.user.has_group(USER_GROUP):
            return
        raise AccessError(
            self.env._(
                "Only offboarding users and managers can change a customer's "
                "offboarding status."
            )
        )

    def _offboarding_check_operation_rights(self, operation, states):
        allowed = USER_OPERATIONS.get(operation, ())
        if all(state in allowed for state in states.values()):
            self._offboarding_check_group()
            return
        self._offboarding_check_manager(operation)

    def _offboarding_check_manager(self, operation):
        if self.env.su or self.env.user.has_group(MANAGER_GROUP):
            return
        raise AccessError(
            self.env._(
                "Only offboarding managers can %(operation)s these customers.",
                operation=self._offboarding_operation_label(operation),
            )
        )

    def _offboarding_operation_label(self, operation):
        return {
            "flag": self.env._("flag"),
            "start": self.env._("start offboarding of"),
            "retire": self.env._("retire"),
            "archive": self.env._("archive"),
            "reactivate": self.env._("reactivate"),
            "cancel": self.env._("cancel the offboarding of"),
        }[operation]

    def _offboarding_state_labels(self):
        return dict(self._fields["offboarding_state"]._description_selection(self.env))

    @api.model
    def _offboarding_clean_note(self, note):
        if note in (None, False):
            return False
        if not isinstance(note, str):
            raise UserError(self.env._("The offboarding note must be text."))
        if len(note) > MAX_NOTE_LENGTH:
            raise UserError(
                self.env._(
                    "The offboarding note is too long: at most %(max)s characters.",
                    max=MAX_NOTE_LENGTH,
                )
            )
        return note.strip() or False

    @api.model
    def _offboarding_resolve_reason(self, operation, reason_code):
        if operation not in REASON_OPERATIONS:
            return self.env["customer.offboarding.reason"]
        if reason_code in (None, False) and operation in ("retire", "start"):
            # Retiring and starting keep the case's reason; a case retiring
            # opens falls back to "other", starting needs one (checked with
            # the states).
            return self.env["customer.offboarding.reason"]
        if not isinstance(reason_code, str) or not reason_code:
            raise UserError(self.env._("Give the reason code of this offboarding."))
        reason = (
            self.env["customer.offboarding.reason"].sudo()._get_by_code(reason_code)
        )
        if not reason:
            raise UserError(
                self.env._(
                    "There is no active offboarding reason with the code “%(code)s”.",
                    code=reason_code,
                )
            )
        return reason

    @api.model
    def _offboarding_resolve_end_date(self, operation, end_date, company):
        if operation != "start":
            return False
        today = fields.Date.context_today(self)
        if end_date in (None, False, ""):
            return today + timedelta(days=company.offboarding_notice_days)
        if isinstance(end_date, str) and len(end_date.strip()) != 10:
            end_date = None  # Odoo would read the first ten characters only
        try:
            end_date = end_date and fields.Date.to_date(end_date)
        except (TypeError, ValueError, OverflowError):
            end_date = None
        if not end_date:
            raise UserError(
                self.env._("The service end date must be a date (YYYY-MM-DD).")
            )
        if end_date < today:
            raise UserError(
                self.env._(
                    "The service end date %(date)s is in the past.",
                    date=fields.Date.to_string(end_date),
                )
            )
        if end_date > today + timedelta(days=MAX_END_DAYS):
            raise UserError(
                self.env._(
                    "The service end date %(date)s is too far ahead: give a date "
                    "within ten years.",
                    date=fields.Date.to_string(end_date),
                )
            )
        return end_date

    def _offboarding_check_company(self, company):
        foreign = self.filtered(lambda p: p.company_id and p.company_id != company)
        if foreign:
            raise UserError(
                self.env._(
                    "%(partners)s belong to another company: switch to that company "
                    "to offboard them.",
                    partners=self._offboarding_names(foreign),
                )
            )

    def _offboarding_read_states(self, company):
        """Lock these partners and return {partner_id: state} in ``company``."""
        self.flush_recordset(["offboarding_state"])
        rows = self.env.execute_query(
            SQL(
                """
                SELECT id, COALESCE(offboarding_state->>%(company)s, 'active')
                  FROM res_partner
                 WHERE id = ANY(%(ids)s)
                   FOR NO KEY UPDATE
                """,
                company=str(company.id),
                ids=self.ids,
            )
        )
        return dict(rows)

    def _offboarding_check_legal(self, operation, states):
        target, sources = OPERATIONS[operation]
        illegal = self.filtered(lambda p: states[p.id] not in sources)
        if not illegal:
            return
        labels = self._offboarding_state_labels()
        first = illegal[0]
        raise UserError(
            self.env._(
                "Cannot %(operation)s %(partners)s: the move from %(from)s to %(to)s "
                "is not allowed.",
                operation=self._offboarding_operation_label(operation),
                partners=self._offboarding_names(illegal),
                **{"from": labels[states[first.id]], "to": labels[target]},
            )
        )

    def _offboarding_names(self, partners):
        names = ", ".join(partners[:MAX_NAMES].mapped("display_name"))
        if len(partners) > MAX_NAMES:
            names = self.env._(
                "%(names)s and %(count)s more",
                names=names,
                count=len(partners) - MAX_NAMES,
            )
        return names

    def _offboarding_family(self):
        """These commercial partners and their active child contacts."""
        return self | self.search(
            [("commercial_partner_id", "in", self.ids), ("active", "=", True)]
        )

    def _offboarding_check_archivable(self, company):
        internal_users = (
            self.env["res.users"]
            .sudo()
            .search(
                [
                    ("partner_id", "in", self._offboarding_family().ids),
                    ("share", "=", False),
                    ("active", "=", True),
                ]
            )
        )
        if internal_users:
            raise UserError(
                self.env._(
                    "Cannot archive: %(users)s is an active internal user linked to "
                    "this customer. Archive or unlink the user first.",
                    users=", ".join(internal_users.mapped("display_name")),
                )
            )
        self._offboarding_check_shared(company)
        self._offboarding_check_notices_sent(company)

    def _offboarding_check_notices_sent(self, company):
        """Odoo does not mail archived partners: archive only once no notice of
        the case is still waiting for approval."""
        waiting = self._offboarding_waiting_notice(company)
        if waiting:
            raise UserError(
                self.env._(
                    "Cannot archive %(partners)s yet: a notice to them is waiting for "
                    "a manager's approval. Approve or cancel it first.",
                    partners=self._offboarding_names(waiting),
                )
            )

    def _offboarding_waiting_notice(self, company):
        """These partners with a notice of their open case waiting for approval."""
        rows = self.env.execute_query(
            SQL(
                """
                SELECT DISTINCT n.partner_id
                  FROM customer_offboarding_notice n
                  JOIN customer_offboarding_case c ON c.id = n.case_id
                 WHERE n.partner_id = ANY(%(ids)s)
                   AND n.company_id = %(company)s
                   AND n.state = 'to_approve'
                   AND c.state IN %(open)s
                """,
                ids=self.ids,
                company=company.id,
                open=CASE_OPEN_STATES,
            )
        )
        return self.browse([row[0] for row in rows])

    def _offboarding_check_shared(self, company):
        """A shared partner is archived only once every company has retired it."""
        shared = self.filtered(lambda p: not p.company_id)
        if not shared:
            return
        rows = self.env.execute_query(
            SQL(
                """
                SELECT p.id, c.id
                  FROM res_partner p
                  JOIN res_company c ON c.id != %(company)s AND c.active
                 WHERE p.id = ANY(%(ids)s)
                   AND COALESCE(p.offboarding_state->>c.id::text, 'active')
                       NOT IN ('retired', 'archived')
                """,
                company=company.id,
                ids=shared.ids,
            )
        )
        if not rows:
            return
        blocked = self.browse({row[0] for row in rows})
        companies = self.env["res.company"].sudo().browse({row[1] for row in rows})
        raise UserError(
            self.env._(
                "%(partners)s stay Retired here: they are shared with %(companies)s, "
                "where they are still served. A shared contact is archived only once "
                "every company using it has retired it.",
                partners=self._offboarding_names(blocked),
                companies=", ".join(companies.mapped("name")),
            )
        )

    def _offboarding_apply(self, company, states, transition):
        """Write cases, status, archive side effects, events and chatter.

        Set-based: a fixed number of SQL statements whatever the batch size,
        then one cache invalidation. Rules, buttons and scripts all land here.
        """
        operation = transition.operation
        target, sources = OPERATIONS[operation]
        reason = transition.reason or self.env["customer.offboarding.reason"]
        self.env.flush_all()
        case_values = self._offboarding_case_values(transition)
        opening = case_values if target != "active" else None
        cases, finished = self._offboarding_get_cases(
            company,
            states,
            reason or transition.open_reason,
            transition.source,
            final=opening,
        )
        self._offboarding_write_state(company, target, sources)
        case_records = self.env["customer.offboarding.case"].browse(
            [case[0] for case in cases.values()]
        )
        Notice = self.env["customer.offboarding.notice"]
        # Read before the cases move: who was told today that service ends today.
        announced = (
            Notice._announced_today(case_records)
            if target == "retired"
            else case_records.browse()
        )
        if operation == "archive" and transition.origin != "odoo_archive":
            self._offboarding_archive_family(case_records)
        if operation == "reactivate":
            archived = self.filtered(lambda p: states[p.id] == "archived")
            archived._offboarding_restore_family(case_records)
        self.env.flush_all()
        self._offboarding_update_cases(
            case_records.browse(set(case_records.ids) - finished), case_values
        )
        self._offboarding_log(target, company, cases, states, reason, transition)
        self.env.invalidate_all()
        if target == "active":
            # The case is closed: what it had not sent yet will not be sent.
            Notice._cancel_pending(case_records)
        kind = NOTICE_ON_STATE.get(case_values["state"])
        if kind and transition.notify:
            # No "has ended" mail for a retirement today's notice announced.
            Notice._queue(case_records - announced, kind)

    def _offboarding_revert(self, company, states, target, run, note):
        """Put partners back to ``target`` to undo a rule run (not a lifecycle move).

        Only an undo may go backwards inside a case: it bumps the case revision,
        so the ledger key (case, to_state, revision) stays unique and a later
        run may move the partner forward again (and announce it again: notices
        are unique per revision too). The dates the undone steps set are
        cleared, and their notices not sent yet are cancelled.
        """
        self.env.flush_all()
        Reason = self.env["customer.offboarding.reason"]
        transition = Transition("revert", note=note, origin="undo", run=run)
        cases, _finished = self._offboarding_get_cases(
            company, states, Reason, transition.source
        )
        self._offboarding_write_state(company, target, tuple(set(states.values())))
        # The update below bumps the revision the ledger rows are keyed on.
        cases = {
            pid: (case_id, reason_id, revision + 1)
            for pid, (case_id, reason_id, revision) in cases.items()
        }
        case_records = self.env["customer.offboarding.case"].browse(
            [case[0] for case in cases.values()]
        )
        archived = self.filtered(lambda p: states[p.id] == "archived")
        archived._offboarding_restore_family(case_records)
        self.env["customer.offboarding.notice"]._cancel_pending(
            case_records, after_state=target
        )
        self.env.flush_all()
        cleared = SQL(", ").join(
            SQL("%s = NULL", SQL.identifier(name))
            for name in REVERT_CLEARS.get(target, ())
        )
        self.env.execute_query(
            SQL(
                """
                UPDATE customer_offboarding_case
                   SET state = %(target)s, revision = revision + 1,
                       write_uid = %(uid)s, write_date = %(now)s %(cleared)s
                 WHERE id = ANY(%(ids)s)
                """,
                target=target,
                uid=self.env.uid,
                now=fields.Datetime.now(),
                ids=case_records.ids,
                cleared=SQL(", %s", cleared) if REVERT_CLEARS.get(target) else SQL(),
            )
        )
        self._offboarding_log(target, company, cases, states, Reason, transition)
        self.env.invalidate_all()

    def _offboarding_get_cases(self, company, states, reason, source, final=None):
        """Return ({partner_id: (case_id, reason_id, revision)}, ids of finished
        cases) of the open cases in ``company``, opening the missing ones.

        ``final`` holds the case values of the transition: cases opened for
        active partners are inserted with them directly (no update after).
        """
        # Active partners have no open case: only the others are looked up
        # (an active partner that has one anyway is caught by the insert below).
        cases = self._offboarding_find_cases(
            company, [pid for pid in self.ids if states[pid] != "active"]
        )
        missing = [pid for pid in self.ids if pid not in cases]
        if not missing:
            return cases, set()
        reason = reason or self.env.ref("customer_offboarding.reason_other")
        direct = bool(final) and all(states[pid] == "active" for pid in missing)
        extra = {
            name: value
            for name, value in (final or {}).items()
            if direct and name not in ("state", "reason_id", "write_uid", "write_date")
        }
        # Otherwise (a partner without its case) the case starts in the partner's
        # current state and the update that follows moves it to the target.
        initial = [final["state"] if direct else states[pid] for pid in missing]
        now = fields.Datetime.now()
        rows = self.env.execute_query(
            SQL(
                """
                INSERT INTO customer_offboarding_case
                       (partner_id, company_id, state, reason_id, tier, user_id,
                        rule_id, revision,
                        flag_date, create_uid, create_date, write_uid, write_date
                        %(extra_columns)s)
                SELECT p.id, %(company)s, m.state, %(reason)s,
                       p.offboarding_tier->>%(key)s, p.user_id,
                       %(rule)s, 0,
                       %(now)s, %(uid)s, %(now)s, %(uid)s, %(now)s
                       %(extra_values)s
                  FROM unnest(%(ids)s::int[], %(states)s::varchar[]) AS m(id, state)
                  JOIN res_partner p ON p.id = m.id
                    ON CONFLICT (partner_id, company_id) WHERE state IN %(open)s
                    DO NOTHING
             RETURNING partner_id, id, reason_id, revision
                """,
                extra_columns=SQL("").join(
                    SQL(", %s", SQL.identifier(name)) for name in extra
                ),
                extra_values=SQL("").join(
                    SQL(", %s", value) for value in extra.values()
                ),
                company=company.id,
                reason=reason.id,
                rule=source["rule"],
                key=str(company.id),
                now=now,
                uid=self.env.uid,
                ids=missing,
                states=initial,
                open=CASE_OPEN_STATES,
            )
        )
        opened = {row[0]: tuple(row[1:]) for row in rows}
        cases.update(opened)
        if len(opened) < len(missing):
            cases.update(
                self._offboarding_find_cases(
                    company, [pid for pid in missing if pid not in opened]
                )
            )
        return cases, {case[0] for case in opened.values()} if direct else set()

    def _offboarding_find_cases(self, company, partner_ids):
        """{partner_id: (case_id, reason_id, revision)} of the open cases."""
        if not partner_ids:
            return {}
        rows = self.env.execute_query(
            SQL(
                """
                SELECT c.partner_id, c.id, c.reason_id, c.revision
                  FROM unnest(%(ids)s::int[]) AS p(id)
                  JOIN customer_offboarding_case c ON c.partner_id = p.id
                 WHERE c.company_id = %(company)s
                   AND c.state IN %(open)s
                """,
                ids=partner_ids,
                company=company.id,
                open=CASE_OPEN_STATES,
            )
        )
        return {row[0]: tuple(row[1:]) for row in rows}

    def _offboarding_write_state(self, company, target, sources):
        """Compare-and-set the status of these partners and their contacts."""
        key = str(company.id)
        if target == "active":
            new_value = SQL(
                "NULLIF(COALESCE(offboarding_state, '{}'::jsonb) - %s, '{}'::jsonb)",
                key,
            )
        else:
            new_value = SQL(
                "COALESCE(offboarding_state, '{}'::jsonb)"
                " || jsonb_build_object(%s, %s)",
                key,
                target,
            )
        self.env["res.partner"].flush_model(
            ["offboarding_state", "commercial_partner_id"]
        )
        moved = self.env.execute_query(
            SQL(
                """
                UPDATE res_partner SET offboarding_state = %(value)s
                 WHERE id = ANY(%(ids)s)
                   AND COALESCE(offboarding_state->>%(key)s, 'active') IN %(sources)s
             RETURNING id
                """,
                value=new_value,
                ids=self.ids,
                key=key,
                sources=tuple(sources),
            )
        )
        if len(moved) != len(self):
            raise UserError(
                self.env._(
                    "Another user changed the offboarding status of some of these "
                    "customers at the same time. Reload and try again."
                )
            )
        # Join on the ids (index on commercial_partner_id): "= ANY(array)" on a
        # non-unique column makes PostgreSQL scan the whole table per batch.
        self.env.execute_query(
            SQL(
                """
                UPDATE res_partner SET offboarding_state = %(value)s
                  FROM unnest(%(ids)s::int[]) AS moved(id)
                 WHERE res_partner.commercial_partner_id = moved.id
                   AND res_partner.id != moved.id
                """,
                value=new_value,
                ids=self.ids,
            )
        )
        self.env["res.partner"].invalidate_model(["offboarding_state"])

    def _offboarding_case_values(self, transition):
        """The case columns a transition sets: state and the matching date."""
        today = fields.Date.context_today(self)
        target = OPERATIONS[transition.operation][0]
        if target == "active":
            values = {
                "state": transition.closing_state
                or CLOSING_STATE[transition.operation],
                "closed_date": today,
            }
        else:
            values = {"state": target}
            if transition.reason:
                values["reason_id"] = transition.reason.id
            if target == "retiring":
                values.update(notice_date=today, end_date=transition.end_date)
            elif target == "retired":
                # Service ends when the customer is retired: an early
                # retirement brings the announced end of service to today
                # (see _offboarding_update_cases), so that mail, page and case
                # say the same.
                values.update(retired_date=today, end_date=today)
            elif target == "archived":
                values["archived_date"] = today
        values.update(write_uid=self.env.uid, write_date=fields.Datetime.now())
        return values

    def _offboarding_update_cases(self, cases, values):
        """Write the transition's values on existing cases, in one statement."""
        if not cases:
            return
        assignments = SQL(", ").join(
            SQL(
                "%s = %s",
                SQL.identifier(name),
                value
                if name != "end_date" or values["state"] != "retired"
                # Retired on or before the announced end: that day, not later.
                else SQL("LEAST(end_date, %s)", value),
            )
            for name, value in values.items()
        )
        self.env.execute_query(
            SQL(
                "UPDATE customer_offboarding_case SET %s WHERE id = ANY(%s)",
                assignments,
                cases.ids,
            )
        )

    def _offboarding_archive_family(self, cases):
        """Archive the partners, their active contacts and their portal users.

        The case remembers exactly which contacts and users it archived, so that
        reactivation restores those and no others.
        """
        children = self._offboarding_family() - self
        users = (
            self.env["res.users"]
            .sudo()
            .search(
                [
                    ("partner_id", "in", (self | children).ids),
                    ("share", "=", True),
                    ("active", "=", True),
                ]
            )
        )
        self.env.flush_all()
        if children:
            self.env.execute_query(
                SQL(
                    """
                    INSERT INTO customer_offboarding_case_archived_partner_rel
                           (case_id, partner_id)
                    SELECT c.id, p.id
                      FROM customer_offboarding_case c
                      JOIN res_partner p ON p.commercial_partner_id = c.partner_id
                     WHERE c.id = ANY(%(cases)s) AND p.id = ANY(%(children)s)
                    ON CONFLICT DO NOTHING
                    """,
                    cases=cases.ids,
                    children=children.ids,
                )
            )
        if users:
            self.env.execute_query(
                SQL(
                    """
                    INSERT INTO customer_offboarding_case_archived_user_rel
                           (case_id, user_id)
                    SELECT c.id, u.id
                      FROM customer_offboarding_case c
                      JOIN res_partner p ON p.commercial_partner_id = c.partner_id
                      JOIN res_users u ON u.partner_id = p.id
                     WHERE c.id = ANY(%(cases)s) AND u.id = ANY(%(users)s)
                    ON CONFLICT DO NOTHING
                    """,
                    cases=cases.ids,
                    users=users.ids,
                )
            )
            users.write({"active": False})
        cases.invalidate_recordset(["archived_partner_ids", "archived_user_ids"])
        # active_test=True: Odoo's linked-user check must only see active users.
        internal(
            (self | children).with_context(active_test=True)
        )._offboarding_write_active(False)

    def _offboarding_restore_family(self, cases):
        """Restore what the cases archived: the partners, contacts and portal users."""
        if not self:
            return
        own_cases = cases.filtered(lambda c: c.partner_id in self)
        partners = self | own_cases.archived_partner_ids
        internal(partners)._offboarding_write_active(True)
        own_cases.archived_user_ids.write({"active": True})

    def _offboarding_write_active(self, active):
        """Archive through the ORM, restore in SQL.

        Archiving goes through res.partner.write() so that Odoo's own checks
        (linked active users) and overrides still run (measured: 69 queries for
        2,000 companies with their contacts). Restoring needs none of them, and
        write() reads user_ids and child_ids per record when companies and their
        contacts are restored together (2 queries per partner at 2,000
        partners), so it is one UPDATE followed by the ORM's invalidation and
        recomputation.
        """
        if not active:
            self.write({"active": False})
            return
        self.flush_recordset(["active"])
        self.env.execute_query(
            SQL(
                """
                UPDATE res_partner
                   SET active = TRUE, write_uid = %(uid)s, write_date = %(now)s
                 WHERE id = ANY(%(ids)s) AND NOT active
                """,
                uid=self.env.uid,
                now=fields.Datetime.now(),
                ids=self.ids,
            )
        )
        self.invalidate_recordset(["active", "write_uid", "write_date"])
        self.modified(["active"])

    def _offboarding_log(self, target, company, cases, states, reason, transition):
        """Append one ledger event per partner and a chatter line on its partner."""
        note, source = transition.note, transition.source
        now = fields.Datetime.now()
        partner_ids = self.ids
        case_ids = [cases[pid][0] for pid in partner_ids]
        from_states = [states[pid] for pid in partner_ids]
        self.env.execute_query(
            SQL(
                """
                INSERT INTO customer_offboarding_event
                       (case_id, from_state, to_state, reason_id, user_id, date,
                        note, origin, rule_id, run_id, revision)
                SELECT m.case_id, m.from_state, %(target)s,
                       COALESCE(%(reason)s, m.reason_id), %(uid)s, %(now)s, %(note)s,
                       %(origin)s, %(rule)s, %(run)s, m.revision
                  FROM unnest(%(cases)s::int[], %(froms)s::varchar[],
                              %(reasons)s::int[], %(revisions)s::int[])
                       AS m(case_id, from_state, reason_id, revision)
                """,
                target=target,
                reason=reason.id or None,
                uid=self.env.uid,
                now=now,
                note=note or None,
                origin=transition.origin,
                rule=source["rule"],
                run=source["run"],
                cases=case_ids,
                froms=from_states,
                reasons=[cases[pid][1] for pid in partner_ids],
                revisions=[cases[pid][2] for pid in partner_ids],
            )
        )
        bodies = self._offboarding_log_bodies(
            company, cases, states, target, reason, note
        )
        # The partner's chatter tells the story; the case lists its events.
        self._offboarding_insert_notes("res.partner", partner_ids, bodies, now)

    def _offboarding_log_bodies(self, company, cases, states, target, reason, note):
        """One chatter body per partner (built once per from-state and reason)."""
        labels = self._offboarding_state_labels()
        Reason = self.env["customer.offboarding.reason"]
        built = {}
        bodies = []
        for partner_id in self.ids:
            reason_id = reason.id or cases[partner_id][1]
            key = (states[partner_id], reason_id)
            if key not in built:
                body = Markup("<p>%s</p>") % self.env._(
                    "Offboarding (%(company)s): %(from)s → %(to)s. Reason: %(reason)s.",
                    company=company.name,
                    reason=Reason.browse(reason_id).name or "",
                    **{"from": labels[key[0]], "to": labels[target]},
                )
                if note:
                    body += Markup("<p>%s</p>") % note
                built[key] = str(body)
            bodies.append(built[key])
        return bodies

    def _offboarding_insert_notes(self, model, res_ids, bodies, now):
        """Log internal notes on many records in one statement (no notification)."""
        author = self.env.user.partner_id
        self.env.execute_query(
            SQL(
                """
                INSERT INTO mail_message
                       (model, res_id, body, message_type, subtype_id, author_id,
                        email_from, is_internal, date, message_id,
                        create_uid, create_date, write_uid, write_date)
                SELECT %(model)s, m.res_id, m.body, 'notification', %(subtype)s,
                       %(author)s, %(email_from)s, TRUE, %(now)s, %(message_id)s,
                       %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM unnest(%(res_ids)s::int[], %(bodies)s::text[]) AS m(res_id, body)
                """,
                model=model,
                subtype=self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note"),
                author=author.id,
                email_from=author.email_formatted or None,
                now=now,
                message_id=generate_tracking_message_id("message-notify"),
                uid=self.env.uid,
                res_ids=res_ids,
                bodies=bodies,
            )
        )

    # ------------------------------------------------------------------
    # Consistency with contacts and with Odoo's own Archive/Unarchive
    # ------------------------------------------------------------------

    def _offboarding_sync_from_commercial(self):
        """Give contacts their commercial partner's status after (re)parenting."""
        self.flush_model(["commercial_partner_id", "parent_id", "offboarding_state"])
        commercial_ids = self.with_context(active_test=False).commercial_partner_id.ids
        self.env.execute_query(
            SQL(
                """
                UPDATE res_partner AS contact
                   SET offboarding_state = parent.offboarding_state
                  FROM res_partner AS parent
                 WHERE contact.commercial_partner_id = ANY(%(commercial)s)
                   AND parent.id = contact.commercial_partner_id
                   AND contact.id != parent.id
                   AND contact.offboarding_state
                       IS DISTINCT FROM parent.offboarding_state
                """,
                commercial=commercial_ids,
            )
        )
        # A contact detached from its company keeps no status it has no case for.
        self.env.execute_query(
            SQL(
                """
                UPDATE res_partner AS p
                   SET offboarding_state = NULL
                 WHERE p.id = ANY(%(ids)s)
                   AND p.commercial_partner_id = p.id
                   AND p.offboarding_state IS NOT NULL
                   AND NOT EXISTS (
                        SELECT 1 FROM customer_offboarding_case c
                         WHERE c.partner_id = p.id AND c.state IN %(open)s)
                """,
                ids=self.ids,
                open=CASE_OPEN_STATES,
            )
        )
        self.env["res.partner"].invalidate_model(["offboarding_state"])

    def _offboarding_follow_native_active(self, active):
        """Keep the status in line when Odoo's Archive/Unarchive action is used.

        Only customers being offboarded are concerned: a contact nobody
        offboards is archived and restored as Odoo does, with no case and no
        event. Both directions check the caller's offboarding rights first
        and are logged as events with their own origin.
        """
        partners = self.filtered(lambda p: p.commercial_partner_id == p)
        if not partners:
            return
        statuses = partners._offboarding_statuses()
        if not statuses:
            return
        if active:
            partners._offboarding_follow_unarchive(statuses)
        else:
            partners._offboarding_follow_archive(statuses)

    def _offboarding_statuses(self):
        """{(partner_id, company_id): status} of these partners, where not active."""
        self.flush_recordset(["offboarding_state"])
        rows = self.env.execute_query(
            SQL(
                """
                SELECT p.id, s.key::int, s.value
                  FROM res_partner p, jsonb_each_text(p.offboarding_state) s
                 WHERE p.id = ANY(%(ids)s) AND s.value != 'active'
                """,
                ids=self.ids,
            )
        )
        return {(pid, cid): state for pid, cid, state in rows}

    def _offboarding_company_names(self, company_ids):
        companies = self.env["res.company"].sudo().browse(sorted(company_ids))
        return ", ".join(companies.mapped("name"))

    def _offboarding_follow_archive(self, statuses):
        """Odoo's Archive on customers being offboarded in their company (the
        current one for shared contacts) walks the legal path to Archived
        there (through Retired), with the checks of Archive Customer: an
        offboarding manager, no notice waiting for approval. A customer
        another company still serves through a notice period (at risk,
        retiring) is refused, naming it: archiving is global."""
        home = {
            partner.id: (partner.company_id or self.env.company).id for partner in self
        }
        serving = {
            cid
            for (pid, cid), state in statuses.items()
            if cid != home[pid] and state in ("at_risk", "retiring")
        }
        if serving:
            raise UserError(
                self.env._(
                    "Cannot archive %(partners)s: %(companies)s is offboarding them "
                    "and still serves them. Archiving a contact is global: that "
                    "company retires them first.",
                    partners=self._offboarding_names(
                        self.browse({pid for (pid, cid) in statuses if cid in serving})
                    ),
                    companies=self._offboarding_company_names(serving),
                )
            )
        note = self.env._("Archived with Odoo's Archive action.")
        by_company = defaultdict(lambda: self.browse())
        for partner in self:
            if statuses.get((partner.id, home[partner.id]), "archived") != "archived":
                by_company[home[partner.id]] |= partner
        for company_id, partners in by_company.items():
            company = self.env["res.company"].browse(company_id)
            partners._offboarding_check_manager("archive")
            partners._offboarding_check_notices_sent(company)
            partners.sudo().with_company(company)._offboarding_follow_archive_in(
                company, note
            )

    def _offboarding_follow_archive_in(self, company, note):
        states = self._offboarding_read_states(company)
        to_retire = self.filtered(lambda p: states[p.id] in OPERATIONS["retire"][1])
        if to_retire:
            to_retire._offboarding_apply(
                company,
                states,
                Transition(
                    "retire",
                    open_reason=self.env.ref("customer_offboarding.reason_other"),
                    note=note,
                    origin="odoo_archive",
                ),
            )
            states = self._offboarding_read_states(company)
        to_archive = self.filtered(lambda p: states[p.id] == "retired")
        if to_archive:
            to_archive._offboarding_apply(
                company,
                states,
                Transition("archive", note=note, origin="odoo_archive"),
            )

    def _offboarding_follow_unarchive(self, statuses):
        """Odoo's Unarchive reactivates customers offboarding archived, in every
        company that archived them, with no welcome-back notice. Refused,
        naming them, where a company that archived them is not one of the
        user's (the status is per company, `active` is global); what
        offboarding archived (not Odoo's Archive action) needs an
        offboarding manager, as Reactivate does."""
        archived = defaultdict(set)
        for (pid, cid), state in statuses.items():
            if state == "archived":
                archived[cid].add(pid)
        if not archived:
            return
        if not self.env.su:
            foreign = set(archived) - set(self.env.user.company_ids.ids)
            if foreign:
                raise UserError(
                    self.env._(
                        "Cannot unarchive %(partners)s: %(companies)s archived them "
                        "as offboarded customers, and only their users can bring "
                        "them back.",
                        partners=self._offboarding_names(
                            self.browse(set().union(*(archived[c] for c in foreign)))
                        ),
                        companies=self._offboarding_company_names(foreign),
                    )
                )
            if self._offboarding_archived_by_offboarding(archived):
                self._offboarding_check_manager("reactivate")
        note = self.env._("Unarchived with Odoo's Unarchive action.")
        for company_id, partner_ids in archived.items():
            company = self.env["res.company"].browse(company_id)
            partners = self.browse(partner_ids).sudo().with_company(company)
            states = partners._offboarding_read_states(company)
            partners._offboarding_apply(
                company,
                states,
                Transition(
                    "reactivate", note=note, origin="odoo_archive", notify=False
                ),
            )

    def _offboarding_archived_by_offboarding(self, archived):
        """Whether any of ``archived`` ({company_id: partner ids}) was archived
        by offboarding itself rather than by Odoo's Archive action."""
        pairs = [(cid, pid) for cid, pids in archived.items() for pid in pids]
        rows = self.env.execute_query(
            SQL(
                """
                SELECT 1
                  FROM unnest(%(companies)s::int[], %(partners)s::int[])
                       AS a(company_id, partner_id)
                  JOIN customer_offboarding_case c
                    ON c.company_id = a.company_id AND c.partner_id = a.partner_id
                   AND c.state = 'archived'
                  JOIN customer_offboarding_event e
                    ON e.case_id = c.id AND e.to_state = 'archived'
                   AND e.revision = c.revision
                 WHERE e.origin != 'odoo_archive'
                 LIMIT 1
                """,
                companies=[pair[0] for pair in pairs],
                partners=[pair[1] for pair in pairs],
            )
        )
        return bool(rows)

    # ------------------------------------------------------------------
    # Value tiers (computed in batches, never a stored compute)
    # ------------------------------------------------------------------

    @api.model
    def _offboarding_revenue_sql(self, company, date_from, id_from, id_to):
        """SQL of (commercial partner id, revenue) for the customers of ``company``
        with an id in [id_from, id_to), revenue in the company currency since
        ``date_from``; None when no app records revenue (the Invoicing bridge
        provides it)."""
        return None

    def _offboarding_compute_tiers(self, company, id_from=None, id_to=None):
        """Write the computed tier of customers in ``company``; return how many
        changed. Without ids, computes these partners; partners with a manual
        override keep it."""
        if id_from is None:
            if not self:
                return 0
            ids = self.with_context(active_test=False).commercial_partner_id.ids
            id_from, id_to = min(ids), max(ids) + 1
        else:
            ids = None
        date_from = fields.Date.context_today(self) - relativedelta(
            months=company.offboarding_tier_months
        )
        revenue = self._offboarding_revenue_sql(company, date_from, id_from, id_to)
        if revenue is None:
            if ids:
                # No app records revenue: the tier is the override, if any.
                partners = self.browse(ids).with_company(company)
                for override, group in partners.grouped(
                    "offboarding_tier_override"
                ).items():
                    group.offboarding_tier = override or False
            return 0
        self.env.flush_all()
        key = str(company.id)
        rows = self.env.execute_query(
            SQL(
                """
                WITH revenue AS (%(revenue)s),
                tiers AS (
                    SELECT r.partner_id,
                           CASE WHEN r.revenue >= %(high)s THEN 'high'
                                WHEN r.revenue >= %(mid)s THEN 'mid'
                                ELSE 'low' END AS tier
                      FROM revenue r
                )
                UPDATE res_partner p
                   SET offboarding_tier = COALESCE(p.offboarding_tier, '{}'::jsonb)
                                          || jsonb_build_object(%(key)s, t.tier)
                  FROM tiers t
                 WHERE p.id = t.partner_id
                   AND (%(ids)s::int[] IS NULL OR p.id = ANY(%(ids)s::int[]))
                   AND p.offboarding_tier_override->>%(key)s IS NULL
                   AND (p.offboarding_tier->>%(key)s) IS DISTINCT FROM t.tier
             RETURNING p.id
                """,
                revenue=revenue,
                high=company.offboarding_tier_high_amount,
                mid=company.offboarding_tier_mid_amount,
                key=key,
                ids=ids,
            )
        )
        if ids:
            # Partners asked for by id that are no customers (no revenue row)
            # and have no override keep no stale tier.
            self.env.execute_query(
                SQL(
                    """
                    WITH revenue AS (%(revenue)s)
                    UPDATE res_partner p
                       SET offboarding_tier = NULLIF(p.offboarding_tier - %(key)s,
                                                     '{}'::jsonb)
                     WHERE p.id = ANY(%(ids)s)
                       AND p.offboarding_tier ? %(key)s
                       AND p.offboarding_tier_override->>%(key)s IS NULL
                       AND p.id NOT IN (SELECT partner_id FROM revenue)
                    """,
                    revenue=revenue,
                    key=key,
                    ids=ids,
                )
            )
        self.env["res.partner"].invalidate_model(["offboarding_tier"])
        return len(rows)

    def action_offboarding_compute_tier(self):
        """Recompute the value tier of the selected customers now."""
        self._offboarding_check_group()
        self.check_access("read")
        changed = self.sudo()._offboarding_compute_tiers(self.env.company)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "Value tiers recomputed: %(count)s changed.", count=changed
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    # ------------------------------------------------------------------
    # Automatic reactivation requests (new activity of an offboarded customer)
    # ------------------------------------------------------------------

    def _offboarding_request_on_activity(self, trigger, companies=None):
        """A retiring, retired or archived customer is active again (new order,
        inbound email): open an automatic reactivation request in each of
        ``companies`` (default: every company) that offboards it.

        Called from Odoo's own flows (the mail gateway, order confirmation):
        it never makes them fail. An error is logged and the flow goes on
        without the request.
        """
        try:
            with self.env.cr.savepoint():
                self._offboarding_submit_automatic_requests(trigger, companies)
        except Exception:  # noqa: BLE001 - the customer's mail or order comes first
            _logger.exception(
                "Customer offboarding: no automatic reactivation request for "
                "partners %s (%s)",
                self.ids,
                trigger,
            )

    def _offboarding_submit_automatic_requests(self, trigger, companies):
        commercial_ids = self.with_context(active_test=False).commercial_partner_id.ids
        if not commercial_ids:
            return
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT c.id
                  FROM customer_offboarding_case c
                 WHERE c.partner_id = ANY(%(ids)s)
                   AND c.state IN ('retiring', 'retired', 'archived')
                   AND (%(companies)s::int[] IS NULL
                        OR c.company_id = ANY(%(companies)s::int[]))
                """,
                ids=commercial_ids,
                companies=companies.ids if companies is not None else None,
            )
        )
        if not rows:
            return
        cases = self.env["customer.offboarding.case"].sudo().browse(r[0] for r in rows)
        Request = self.env["customer.reactivation.request"].sudo()
        for company in cases.company_id:
            Request.with_company(company)._submit(
                cases.filtered(lambda c, co=company: c.company_id == co),
                "automatic",
                trigger=trigger,
            )

    @api.model
    def _cron_offboarding_compute_tiers(self):
        """Scheduled action: recompute the value tiers of every company once a
        day, in id ranges, one transaction per range, within the call's time
        budget (the scheduler calls again while ranges remain). Each
        company's cursor is kept on the company: a pass cut short resumes
        where it stopped."""
        Run = self.env["customer.offboarding.run"]
        deadline = Run._get_deadline("customer_offboarding.ir_cron_compute_tiers")
        if deadline is None:
            return
        step = Run._get_id_range()
        bound = self.env["customer.offboarding.rule"]._get_id_bound()
        today = fields.Date.context_today(self)
        companies = (
            self.env["res.company"]
            .sudo()
            .search(
                [
                    "|",
                    ("offboarding_tier_date", "=", False),
                    ("offboarding_tier_date", "<", today),
                ],
                order="id",
            )
        )
        remaining = sum(
            max(1, -(-(bound - company.offboarding_tier_cursor) // step))
            for company in companies
        )
        done = 0
        for company in companies:
            low = company.offboarding_tier_cursor
            while True:
                started = time.monotonic()
                self.sudo().with_company(company)._offboarding_compute_tiers(
                    company, low, low + step
                )
                low += step
                finished = low >= bound
                company._offboarding_set_tier_cursor(
                    0 if finished else low, today if finished else False
                )
                done += 1
                remaining -= 1
                self.env["ir.cron"]._notify_progress(
                    done=done, remaining=max(0, remaining)
                )
                if Run._can_commit():
                    # One transaction per range: a killed pass keeps what it
                    # finished and resumes from the company's cursor.
                    self.env.cr.commit()  # pylint: disable=invalid-commit
                if finished:
                    break
                if Run._past(deadline, time.monotonic() - started):
                    return

    @api.model
    def _offboarding_last_activity_sql(self, partner_ids):
        """SQL of (commercial partner id, date) activity signals of ``partner_ids``:
        messages their people wrote; bridges add orders and invoices."""
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
