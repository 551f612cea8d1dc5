from odoo import api, fields, models
from odoo.tools import SQL

from ..const import CASE_OPEN_STATES, CASE_STATES, TIERS


class CustomerOffboardingCase(models.Model):
    _name = "customer.offboarding.case"
    _description = "Customer Offboarding Case"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "flag_date desc, id desc"
    _check_company_auto = True

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
    state = fields.Selection(
        CASE_STATES,
        required=True,
        readonly=True,
        index=True,
        default="at_risk",
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
    rule_id = fields.Many2one(
        "customer.offboarding.rule",
        readonly=True,
        ondelete="set null",
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
