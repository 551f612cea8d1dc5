import time

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..const import (
    MAIL_NOTICE_STATES,
    MANAGER_GROUP,
    NOTICE_GONE_STATES,
    NOTICE_KINDS,
    NOTICE_MODES,
    NOTICE_STATES,
    STATE_NOTICE_KINDS,
    TIERS,
    later_states,
)
from ..tools import scheduler
from ..tools.guard import internal, require_group

# Personal notices that wait for a manager (the bad news); reminders and
# welcome-back mails of a case whose notice was approved go out directly.
APPROVAL_KINDS = ("retirement", "retired")
# The notices an undo back to a state cancels: those of the later steps.
PENDING_AFTER = {
    state: tuple(
        kind for later in later_states(state) for kind in STATE_NOTICE_KINDS[later]
    )
    for state in STATE_NOTICE_KINDS
}


class CustomerOffboardingNotice(models.Model):
    """One partner-facing notice of a case: at most one per case and kind.

    The unique key is what makes a repeated or resumed run send nothing twice:
    notices are inserted with ON CONFLICT DO NOTHING and only the rows really
    inserted get a mail.
    """

    _name = "customer.offboarding.notice"
    _description = "Customer Offboarding Notice"
    _inherit = ["customer.offboarding.guard"]
    _order = "id desc"
    _check_company_auto = True
    # Nothing of a notice is edited by hand: approve or cancel it.
    _offboarding_user_fields = ()
    _offboarding_fixed_fields = ("company_id", "partner_id", "case_id")

    case_id = fields.Many2one(
        "customer.offboarding.case",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, readonly=True
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    kind = fields.Selection(NOTICE_KINDS, required=True, readonly=True)
    tier = fields.Selection(TIERS, readonly=True)
    mode = fields.Selection(NOTICE_MODES, required=True, readonly=True)
    state = fields.Selection(NOTICE_STATES, required=True, readonly=True)
    mail_id = fields.Many2one(
        "mail.mail",
        string="Email",
        readonly=True,
        ondelete="set null",
        # Looked up when a mail is sent (the notice follows its state).
        index="btree_not_null",
    )
    mail_state = fields.Selection(related="mail_id.state", string="Email Status")
    revision = fields.Integer(
        readonly=True,
        default=0,
        help="The case's revision when the notice was made: a move announced "
        "again after an undo gets a notice of its own.",
    )
    approved_uid = fields.Many2one("res.users", string="Approved By", readonly=True)
    approved_date = fields.Datetime(string="Approved On", readonly=True)

    _sql_constraints = [
        (
            "case_kind_uniq",
            "UNIQUE(case_id, kind, revision)",
            "A case sends each kind of notice once (per undo revision).",
        ),
    ]

    @api.depends("case_id", "kind")
    def _compute_display_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for notice in self:
            notice.display_name = self.env._(
                "%(kind)s: %(partner)s",
                kind=kinds.get(notice.kind, ""),
                partner=notice.partner_id.display_name or "",
            )

    # ------------------------------------------------------------------
    # Queueing (set-based, same transaction as the event)
    # ------------------------------------------------------------------

    @api.model
    def _queue(self, cases, kind):
        """Create the ``kind`` notice of ``cases`` that have none and queue it.

        Runs in the transaction of the transition that causes the notice. The
        database keeps one notice per case and kind; rows that already exist
        are left alone, so nothing is sent twice.
        """
        if not cases:
            return self.browse()
        self.env.flush_all()
        company = cases.company_id
        company.ensure_one()
        approval = kind in APPROVAL_KINDS
        now = fields.Datetime.now()
        rows = self.env.execute_query(
            SQL(
                """
                INSERT INTO customer_offboarding_notice
                       (case_id, partner_id, company_id, kind, tier, mode, state,
                        revision, create_uid, create_date, write_uid, write_date)
                SELECT c.id, c.partner_id, c.company_id, %(kind)s, t.tier, t.mode,
                       CASE WHEN COALESCE(p.email, '') = '' THEN 'no_email'
                            WHEN t.mode = 'personal' AND %(approval)s
                            THEN 'to_approve'
                            ELSE 'queued' END,
                       c.revision, %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM customer_offboarding_case c
                  JOIN res_partner p ON p.id = c.partner_id
                 CROSS JOIN LATERAL (
                        SELECT p.offboarding_tier->>c.company_id::text AS tier,
                               CASE p.offboarding_tier->>c.company_id::text
                                    WHEN 'high' THEN %(high)s
                                    WHEN 'low' THEN %(low)s
                                    ELSE %(mid)s END AS mode) t
                 WHERE c.id = ANY(%(cases)s)
                ON CONFLICT (case_id, kind, revision) DO NOTHING
                RETURNING id
                """,
                kind=kind,
                approval=approval,
                high=company.offboarding_mode_high,
                mid=company.offboarding_mode_mid,
                low=company.offboarding_mode_low,
                uid=self.env.uid,
                now=now,
                cases=cases.ids,
            )
        )
        notices = self.browse([row[0] for row in rows])
        if not notices:
            return notices
        notices.filtered(lambda n: n.state == "to_approve")._ask_approval()
        notices.filtered(lambda n: n.state == "queued")._send()
        return notices

    @api.model
    def _announced_today(self, cases):
        """The cases whose retirement notice, queued today, announced today as
        the end of service: retiring them now needs no second mail."""
        if not cases:
            return cases
        self.env.flush_all()
        today = fields.Date.context_today(self)
        rows = self.env.execute_query(
            SQL(
                """
                SELECT c.id
                  FROM customer_offboarding_case c
                  JOIN customer_offboarding_notice n
                    ON n.case_id = c.id AND n.kind = 'retirement'
                   AND n.revision = c.revision AND n.state IN %(gone)s
                 WHERE c.id = ANY(%(cases)s)
                   AND c.end_date <= %(today)s
                   AND n.create_date::date = %(today)s
                """,
                cases=cases.ids,
                today=today,
                gone=NOTICE_GONE_STATES,
            )
        )
        return cases.browse(row[0] for row in rows)

    @api.model
    def _cancel_pending(self, cases, after_state=None):
        """Cancel the notices of ``cases`` that were not sent yet: their mail
        still in the queue, or waiting for approval. With ``after_state`` (an
        undo back to that state), only those of the undone steps."""
        kinds = PENDING_AFTER.get(after_state, ()) if after_state else None
        if not cases or kinds == ():
            return
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """
                UPDATE customer_offboarding_notice n
                   SET state = 'cancelled', write_uid = %(uid)s, write_date = %(now)s
                  FROM customer_offboarding_case c
                 WHERE c.id = n.case_id
                   AND n.case_id = ANY(%(cases)s)
                   AND n.revision = c.revision
                   AND (%(kinds)s::varchar[] IS NULL OR n.kind = ANY(%(kinds)s))
                   AND (n.state = 'to_approve'
                        OR (n.state = 'queued' AND EXISTS (
                            SELECT 1 FROM mail_mail m
                             WHERE m.id = n.mail_id AND m.state = 'outgoing')))
             RETURNING n.id, n.mail_id, n.case_id
                """,
                uid=self.env.uid,
                now=fields.Datetime.now(),
                cases=cases.ids,
                kinds=list(kinds) if kinds is not None else None,
            )
        )
        if rows:
            self._cancel_mails([row[1] for row in rows if row[1]])
            self._drop_approval_activities({row[2] for row in rows})

    @api.model
    def _cancel_mails(self, mail_ids):
        """Cancel the queued mails of cancelled notices (not sent yet)."""
        if mail_ids:
            self.env.execute_query(
                SQL(
                    "UPDATE mail_mail SET state = 'cancel' "
                    "WHERE id = ANY(%s) AND state = 'outgoing'",
                    mail_ids,
                )
            )
        self.env["mail.mail"].invalidate_model(["state"])
        self.invalidate_model(["state"])

    @api.model
    def _drop_approval_activities(self, case_ids):
        """The personal calls and approvals asked for cancelled notices are no
        longer due."""
        activity_types = [
            self.env.ref("customer_offboarding.mail_activity_type_personal_call").id,
            self.env.ref("customer_offboarding.mail_activity_type_notice_approval").id,
        ]
        self.env["mail.activity"].sudo().search(
            [
                ("res_model", "=", "customer.offboarding.case"),
                ("res_id", "in", list(case_ids)),
                ("activity_type_id", "in", activity_types),
            ]
        ).unlink()

    def _get_template(self):
        """The mail template of this notice's kind and mode."""
        self.ensure_one()
        return self.env.ref(
            f"customer_offboarding.mail_template_{self.kind}_{self.mode}",
            raise_if_not_found=False,
        )

    def _send(self):
        """Render the notices' templates into Odoo's mail queue (no force-send)."""
        groups = {}
        for notice in self:
            groups.setdefault((notice.kind, notice.mode), self.browse())
            groups[(notice.kind, notice.mode)] |= notice
        for notices in groups.values():
            template = notices[0]._get_template()
            if not template:
                raise UserError(
                    self.env._(
                        "The mail template of the notice “%(notice)s” was deleted; "
                        "restore it (upgrade the Customer Offboarding module).",
                        notice=notices[0].display_name,
                    )
                )
            mails = template.sudo().send_mail_batch(
                notices.case_id.ids, force_send=False
            )
            mail_by_case = {mail.res_id: mail.id for mail in mails}
            pairs = [
                (notice.id, mail_by_case[notice.case_id.id])
                for notice in notices
                if notice.case_id.id in mail_by_case
            ]
            if pairs:
                # One statement for the batch (a write per notice is one UPDATE each).
                self.env.execute_query(
                    SQL(
                        """
                        UPDATE customer_offboarding_notice n
                           SET mail_id = m.mail_id
                          FROM unnest(%s::int[], %s::int[]) AS m(id, mail_id)
                         WHERE n.id = m.id
                        """,
                        [pair[0] for pair in pairs],
                        [pair[1] for pair in pairs],
                    )
                )
        internal(self).write({"state": "queued"})
        self.invalidate_recordset(["mail_id"])

    @api.model
    def _follow_mails(self, mails, mail_state):
        """The notices of ``mails`` take their delivery state."""
        state = MAIL_NOTICE_STATES.get(mail_state)
        if not state or not mails:
            return
        self.env.flush_all()
        self.env.execute_query(
            SQL(
                """
                UPDATE customer_offboarding_notice
                   SET state = %(state)s
                 WHERE mail_id = ANY(%(mails)s)
                   AND state IN %(gone)s AND state != %(state)s
                """,
                state=state,
                mails=mails.ids,
                gone=NOTICE_GONE_STATES,
            )
        )
        self.invalidate_model(["state"])

    def _ask_approval(self):
        """Personal notices: the owner calls first, a manager approves the mail."""
        call_type = self.env.ref(
            "customer_offboarding.mail_activity_type_personal_call"
        )
        approve_type = self.env.ref(
            "customer_offboarding.mail_activity_type_notice_approval"
        )
        Activity = self.env["mail.activity"].sudo()
        for notice in self:
            company = notice.company_id
            owner = (
                notice.case_id.notice_sender_id or company._offboarding_responsible()
            )
            # One by one: creating two activities of one user on one record in
            # a batch subscribes that user twice (mail_followers unique key).
            Activity.create(
                notice._approval_activity(
                    call_type, owner, self.env._("Call the customer before the notice")
                )
            )
            Activity.create(
                notice._approval_activity(
                    approve_type,
                    company._offboarding_responsible(),
                    self.env._(
                        "Approve the notice “%(notice)s”", notice=notice.display_name
                    ),
                )
            )

    def _approval_activity(self, activity_type, user, summary):
        """Values of an activity on this notice's case, due by the company's
        personal call deadline."""
        deadline = fields.Date.add(
            fields.Date.context_today(self), days=self.company_id.offboarding_call_days
        )
        return {
            "res_model_id": self.env["ir.model"]._get_id("customer.offboarding.case"),
            "res_id": self.case_id.id,
            "activity_type_id": activity_type.id,
            "user_id": user.id,
            "date_deadline": deadline,
            "summary": summary,
        }

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def _check_manager(self, message):
        require_group(self.env, MANAGER_GROUP, message)
        self.check_access("write")

    def action_approve(self):
        """Managers: send personal notices waiting for approval."""
        self._check_manager(
            self.env._("Only offboarding managers can approve notices.")
        )
        waiting = self.filtered(lambda n: n.state == "to_approve")
        if waiting != self:
            raise UserError(
                self.env._("Only notices waiting for approval can be approved.")
            )
        waiting = waiting.sudo()
        waiting._send()
        waiting.write(
            {"approved_uid": self.env.uid, "approved_date": fields.Datetime.now()}
        )
        approve_type = self.env.ref(
            "customer_offboarding.mail_activity_type_notice_approval"
        )
        waiting.case_id.activity_ids.filtered(
            lambda a: a.activity_type_id == approve_type
        ).action_feedback(feedback=self.env._("Notice approved and queued."))
        for notice in waiting:
            notice.case_id.message_post(
                body=self.env._(
                    "Notice “%(notice)s” approved and queued.",
                    notice=notice.display_name,
                ),
                subtype_xmlid="mail.mt_note",
            )
        return True

    def action_cancel(self):
        """Managers: do not send a notice waiting for approval."""
        self._check_manager(self.env._("Only offboarding managers can cancel notices."))
        if self.filtered(lambda n: n.state != "to_approve"):
            raise UserError(
                self.env._("Only notices waiting for approval can be cancelled.")
            )
        self.sudo().write({"state": "cancelled"})
        return True

    def action_open_mail(self):
        self.ensure_one()
        self.check_access("read")
        return {
            "type": "ir.actions.act_window",
            "res_model": "mail.mail",
            "res_id": self.mail_id.id,
            "view_mode": "form",
        }

    # ------------------------------------------------------------------
    # Scheduled action: service-end reminders
    # ------------------------------------------------------------------

    @api.model
    def _get_due_reminder_cases(self, company, limit):
        """Cases of ``company`` in their notice period whose end date is within
        the reminder window, whose retirement notice went out, and that have
        no reminder yet."""
        today = fields.Date.context_today(self)
        rows = self.env.execute_query(
            SQL(
                """
                SELECT c.id
                  FROM customer_offboarding_case c
                 WHERE c.company_id = %(company)s
                   AND c.state = 'retiring'
                   AND c.end_date >= %(today)s
                   AND c.end_date <= %(today)s + %(days)s
                   AND EXISTS (
                        SELECT 1 FROM customer_offboarding_notice n
                         WHERE n.case_id = c.id AND n.kind = 'retirement'
                           AND n.revision = c.revision AND n.state IN %(gone)s)
                   AND NOT EXISTS (
                        SELECT 1 FROM customer_offboarding_notice n
                         WHERE n.case_id = c.id AND n.kind = 'reminder'
                           AND n.revision = c.revision)
                 ORDER BY c.id
                 LIMIT %(limit)s
                """,
                company=company.id,
                today=today,
                days=company.offboarding_reminder_days,
                limit=limit,
                gone=NOTICE_GONE_STATES,
            )
        )
        return self.env["customer.offboarding.case"].browse(r[0] for r in rows)

    @api.model
    def _cron_send_reminders(self, batch_size=500):
        """Queue the service-end reminders that are due, one batch per commit,
        within the call's time budget (the scheduler calls again while some
        may remain)."""
        deadline = scheduler.deadline(
            self.env, "customer_offboarding.ir_cron_send_reminders"
        )
        if deadline is None:
            return 0
        done = 0
        for company in self.env["res.company"].sudo().search([]):
            if not company.offboarding_reminder_days:
                continue
            Notice = self.sudo().with_company(company)
            while True:
                started = time.monotonic()
                cases = Notice._get_due_reminder_cases(company, batch_size)
                if not cases:
                    break
                Notice._queue(cases, "reminder")
                done += len(cases)
                stop = scheduler.past(deadline, time.monotonic() - started)
                # Stopping early: more may be due, the scheduler calls again.
                self.env["ir.cron"]._notify_progress(
                    done=done, remaining=1 if stop else 0
                )
                if scheduler.can_commit(self.env):
                    self.env.cr.commit()  # pylint: disable=invalid-commit
                if stop:
                    return done
        return done
