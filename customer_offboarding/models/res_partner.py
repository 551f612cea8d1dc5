from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import SQL

from ..const import (
    CASE_OPEN_STATES,
    MANAGER_GROUP,
    PARTNER_STATES,
    TIERS,
    USER_GROUP,
)
from ..tools.guard import MERGE_KEY, is_internal, require_group

# Offboarding fields Odoo's partner merge copies between the merged contacts:
# the destination keeps its own (see _offboarding_check_mergeable).
MERGE_KEPT_FIELDS = (
    "offboarding_state",
    "offboarding_tier",
    "offboarding_tier_override",
)


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = [
        "res.partner",
        "customer.offboarding.lifecycle",
        "customer.offboarding.archiving",
    ]

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
        compute="_compute_offboarding_search_only",
        search="_search_offboarding_rule_match_id",
        groups=USER_GROUP,
        help="Search only: the customers a rule would act on today.",
    )

    offboarding_preview_id = fields.Many2one(
        "customer.offboarding.preview",
        string="In Offboarding Preview",
        compute="_compute_offboarding_search_only",
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

    def _compute_offboarding_search_only(self):
        """The rule-match and preview fields are for searching only: no value."""
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
            self.env["customer.offboarding.tier"].sudo()._compute_partners(
                self.env.company, self.sudo()
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
        require_group(
            self.env,
            MANAGER_GROUP,
            self.env._("Only offboarding managers can set a customer's value tier."),
        )

    def _offboarding_protected_message(self):
        return self.env._(
            "The offboarding status changes only through the offboarding actions "
            "(Flag, Start Offboarding, Retire, Archive, Reactivate, Cancel, "
            "Anonymize), "
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

    def action_offboarding_anonymize(self):
        return self._offboarding_open_wizard("anonymize")

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

    def offboarding_anonymize(self, note=None):
        """Erase the personal data of retired or archived customers now
        (→ anonymized, for good): an erasure request, or a manager's decision."""
        return self._offboarding_transition("anonymize", note=note)

    def action_offboarding_compute_tier(self):
        """Recompute the value tier of the selected customers now."""
        self._offboarding_check_group()
        self.check_access("read")
        changed = (
            self.env["customer.offboarding.tier"]
            .sudo()
            ._compute_partners(self.env.company, self.sudo())
        )
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
