from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from odoo.addons.base.models.ir_model import MODULE_UNINSTALL_FLAG

from ..const import PARTNER_STATES

ORIGINS = [
    ("manual", "Manual"),
    ("odoo_archive", "Odoo Archive Action"),
    ("script", "Server Action or Script"),
    ("rule", "Rule"),
    ("undo", "Undo of a Run"),
    ("request", "Reactivation Request"),
    ("disposal", "Data Disposal"),
]


class CustomerOffboardingEvent(models.Model):
    _name = "customer.offboarding.event"
    _description = "Customer Offboarding Event"
    _order = "date desc, id desc"
    _check_company_auto = True
    # An append-only ledger records its own author and date (user_id, date);
    # Odoo's create/write user and date columns would only repeat them.
    _log_access = False

    case_id = fields.Many2one(
        "customer.offboarding.case",
        required=True,
        readonly=True,
        ondelete="restrict",
        check_company=True,
    )
    # The customer and company are the case's, which never change: read through
    # the case, not stored again on every event (each stored many2one is one
    # more foreign-key check per ledger row; see README, "Performance").
    partner_id = fields.Many2one(
        related="case_id.partner_id",
        string="Customer",
    )
    company_id = fields.Many2one(
        related="case_id.company_id",
    )
    from_state = fields.Selection(PARTNER_STATES, required=True, readonly=True)
    to_state = fields.Selection(PARTNER_STATES, required=True, readonly=True)
    reason_id = fields.Many2one(
        "customer.offboarding.reason",
        readonly=True,
        ondelete="restrict",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Done By",
        required=True,
        readonly=True,
    )
    date = fields.Datetime(
        required=True,
        readonly=True,
        default=fields.Datetime.now,
    )
    note = fields.Text(readonly=True)
    # A ledger row is never rewritten: a rule that moved customers cannot be
    # deleted (archive it instead).
    rule_id = fields.Many2one(
        "customer.offboarding.rule",
        readonly=True,
        ondelete="restrict",
    )
    run_id = fields.Many2one(
        "customer.offboarding.run",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
    )
    revision = fields.Integer(readonly=True, default=0)
    origin = fields.Selection(
        ORIGINS,
        required=True,
        readonly=True,
        default="manual",
    )

    _sql_constraints = [
        (
            "case_to_state_uniq",
            "unique(case_id, to_state, revision)",
            "A case records each transition once (per undo revision).",
        ),
    ]

    @api.depends("partner_id", "from_state", "to_state")
    def _compute_display_name(self):
        labels = dict(self._fields["to_state"]._description_selection(self.env))
        for event in self:
            event.display_name = self.env._(
                "%(partner)s: %(from)s → %(to)s",
                partner=event.partner_id.display_name or "",
                **{
                    "from": labels.get(event.from_state, ""),
                    "to": labels.get(event.to_state, ""),
                },
            )

    def _ledger_unlocked(self):
        """Only the superuser uninstalling the module may touch the ledger."""
        return self.env.su and self.env.context.get(MODULE_UNINSTALL_FLAG)

    def write(self, vals):
        if not self._ledger_unlocked():
            raise UserError(
                self.env._("Offboarding events are a ledger: they cannot be changed.")
            )
        return super().write(vals)

    def unlink(self):
        if not self._ledger_unlocked():
            raise UserError(
                self.env._("Offboarding events are a ledger: they cannot be deleted.")
            )
        return super().unlink()

    @api.model
    def _moves_of_run(self, run):
        """{(last to_state, first from_state): partner ids} of what ``run``
        moved, in its company, as the ledger records it."""
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT (array_agg(e.to_state ORDER BY e.id DESC))[1],
                       (array_agg(e.from_state ORDER BY e.id))[1],
                       c.partner_id
                  FROM customer_offboarding_event e
                  JOIN customer_offboarding_case c ON c.id = e.case_id
                 WHERE e.run_id = %s AND e.origin = 'rule' AND c.company_id = %s
                 GROUP BY c.partner_id
                """,
                run.id,
                run.company_id.id,
            )
        )
        moves = defaultdict(list)
        for last_to, first_from, partner_id in rows:
            moves[(last_to, first_from)].append(partner_id)
        return moves
