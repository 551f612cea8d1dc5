from markupsafe import Markup

from odoo import fields, models
from odoo.exceptions import MissingError, UserError
from odoo.tools import SQL

from ..const import (
    MANAGER_GROUP,
    NOTICE_ON_STATE,
    OPERATIONS,
    REASON_KEPT,
    STATE_CASE_DATES,
    USER_GROUP,
    later_states,
)
from ..tools import bulk_sql
from ..tools.guard import require_group
from ..tools.transition import (
    Transition,
    clean_note,
    resolve_end_date,
    resolve_reason,
)

MAX_NAMES = 5


class CustomerOffboardingLifecycle(models.AbstractModel):
    """The one path a customer's offboarding status moves by: check the move,
    resolve its reason and dates, then write the status, the cases, the
    ledger and the chatter, set-based, in the caller's transaction.

    A mixin of ``res.partner`` (as ``mail.thread`` is): its methods act on
    the customers (commercial partners) in ``self``. The public methods of
    res.partner, the rules' runs and their undo, reactivation requests and
    Odoo's own Archive action all land in ``_offboarding_apply``.
    """

    _name = "customer.offboarding.lifecycle"
    _description = "Customer Offboarding Lifecycle"

    # ------------------------------------------------------------------
    # The checked entry point (public methods, requests)
    # ------------------------------------------------------------------

    def _offboarding_transition(
        self,
        operation,
        reason_code=None,
        end_date=None,
        note=None,
        *,
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
        partners = self._offboarding_checked_customers()
        if not partners:
            return True
        company = self.env.company
        transition = Transition(
            operation,
            company,
            note=clean_note(self.env, note),
            reason=resolve_reason(self.env, operation, reason_code),
            end_date=resolve_end_date(self.env, operation, end_date, company),
            closing_state=closing_state,
            origin=origin,
        )
        partners._offboarding_check_company(company)
        states = partners.sudo()._offboarding_read_states(company)
        partners._offboarding_check_move(transition, states)
        if operation == "anonymize":
            # Erased everywhere at once: every company's case closes with it.
            self.env["customer.offboarding.disposal"].sudo()._dispose(
                partners.ids, origin, transition.note, company
            )
        else:
            partners.sudo()._offboarding_apply(states, transition)
        return True

    def _offboarding_checked_customers(self):
        """The commercial partners of ``self``, once the caller may offboard
        them: the group, existing records, read access, no company of this
        database."""
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
        partners.check_access("read")
        partners._offboarding_check_not_a_company()
        return partners

    def _offboarding_check_move(self, transition, states):
        """The move is legal from every status, the caller may make it, and
        what it needs is there (a reason to keep, nothing blocking an archive)."""
        self._offboarding_check_legal(transition.operation, states)
        if OPERATIONS[transition.operation].reason == REASON_KEPT:
            if not transition.reason:
                self._offboarding_check_reason_kept(states)
        self._offboarding_check_operation_rights(transition.operation, states)
        if transition.operation == "archive":
            self.sudo()._offboarding_check_archivable(transition.company)
        elif transition.operation == "anonymize":
            self.sudo()._offboarding_check_disposable(transition)

    # ------------------------------------------------------------------
    # Checks
    # ------------------------------------------------------------------

    def _offboarding_check_group(self):
        require_group(
            self.env,
            USER_GROUP,
            self.env._(
                "Only offboarding users and managers can change a customer's "
                "offboarding status."
            ),
        )

    def _offboarding_check_operation_rights(self, operation, states):
        allowed = OPERATIONS[operation].user_sources
        if all(state in allowed for state in states.values()):
            self._offboarding_check_group()
            return
        self._offboarding_check_manager(operation)

    def _offboarding_check_manager(self, operation):
        require_group(
            self.env,
            MANAGER_GROUP,
            self.env._(
                "Only offboarding managers can %(operation)s these customers.",
                operation=self.env._(OPERATIONS[operation].verb),
            ),
        )

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

    def _offboarding_check_disposable(self, transition):
        """Nothing keeps these customers' data: no legal hold, no internal
        user, no other company serving them or keeping their data longer;
        before the date their notices announced, the note says why (the
        customer asked for the erasure)."""
        company = transition.company
        Disposal = self.env["customer.offboarding.disposal"]
        today = fields.Date.today()
        blockers = Disposal._blockers(self.ids, today, company)
        for kind in ("held", "user", "served", "kept"):
            found = blockers.get(kind)
            if not found:
                continue
            names = {
                "partners": self._offboarding_names(self.browse(list(found))),
                "companies": self._offboarding_company_names(
                    set().union(*found.values())
                ),
            }
            if kind == "held":
                message = self.env._(
                    "Cannot anonymize %(partners)s: their case is under legal hold "
                    "(%(companies)s). A manager releases the hold first.",
                    **names,
                )
            elif kind == "user":
                message = self.env._(
                    "Cannot anonymize %(partners)s: an internal user is linked to "
                    "them or to one of their contacts. Unlink the user first.",
                    partners=names["partners"],
                )
            elif kind == "served":
                message = self.env._(
                    "Cannot anonymize %(partners)s: %(companies)s still serves them. "
                    "A shared contact is anonymized only once every company using "
                    "it has retired it.",
                    **names,
                )
            else:
                message = self.env._(
                    "Cannot anonymize %(partners)s yet: %(companies)s keeps their "
                    "data until its own disposal date. A shared contact is "
                    "anonymized only once every company's disposal date has passed.",
                    **names,
                )
            raise UserError(message)
        early = Disposal._blockers(self.ids, today).get("kept")
        if early and not transition.note:
            raise UserError(
                self.env._(
                    "%(partners)s were told their data is anonymized on a later "
                    "date: anonymizing them now needs the reason in the note (the "
                    "customer asked for the erasure, say).",
                    partners=self._offboarding_names(self.browse(list(early))),
                )
            )

    def _offboarding_check_legal(self, operation, states):
        operation = OPERATIONS[operation]
        illegal = self.filtered(lambda p: states[p.id] not in operation.sources)
        if not illegal:
            return
        labels = self._offboarding_state_labels()
        first = illegal[0]
        raise UserError(
            self.env._(
                "Cannot %(operation)s %(partners)s: the move from %(from)s to %(to)s "
                "is not allowed.",
                operation=self.env._(operation.verb),
                partners=self._offboarding_names(illegal),
                **{"from": labels[states[first.id]], "to": labels[operation.target]},
            )
        )

    # ------------------------------------------------------------------
    # Applying a move (no rights checked: the callers did)
    # ------------------------------------------------------------------

    def _offboarding_read_states(self, company):
        """Lock these partners and return {partner_id: state} in ``company``."""
        self.flush_recordset(["offboarding_state"])
        return bulk_sql.read_states(self.env, self.ids, company)

    def _offboarding_apply(self, states, transition):
        """Write cases, status, archive side effects, events and chatter.

        Set-based: a fixed number of SQL statements whatever the batch size,
        then one cache invalidation. Rules, buttons and scripts all land here.
        """
        target = transition.target
        self.env.flush_all()
        case_values = self._offboarding_case_values(transition)
        cases, complete = self._offboarding_get_cases(
            states, transition, case_values if target != "active" else None
        )
        self._offboarding_write_state(transition.company, target, transition.sources)
        case_records = self.env["customer.offboarding.case"].browse(
            [case[0] for case in cases.values()]
        )
        Notice = self.env["customer.offboarding.notice"]
        # Read before the cases move: who was told today that service ends today.
        announced = (
            Notice._announced_today(case_records) if target == "retired" else None
        )
        self._offboarding_archive_side(transition, states, case_records)
        self.env.flush_all()
        bulk_sql.update_cases(self.env, set(case_records.ids) - complete, case_values)
        self._offboarding_log(cases, states, transition)
        self.env.invalidate_all()
        if target == "active":
            # The case is closed: what it had not sent yet will not be sent.
            Notice._cancel_pending(case_records)
        kind = NOTICE_ON_STATE.get(case_values["state"])
        if kind and transition.notify:
            # No "has ended" mail for a retirement today's notice announced.
            Notice._queue(case_records - (announced or case_records.browse()), kind)

    def _offboarding_archive_side(self, transition, states, cases):
        """Archive or restore the family with the move that asks for it."""
        if transition.operation == "archive" and transition.origin != "odoo_archive":
            self._offboarding_archive_family(cases)
        elif transition.target == "active" or transition.revert_to:
            archived = self.filtered(lambda p: states[p.id] == "archived")
            archived._offboarding_restore_family(cases)

    def _offboarding_revert(self, states, transition):
        """Put partners back to ``transition.revert_to`` to undo a rule run (not
        a lifecycle move).

        Only an undo may go backwards inside a case: it bumps the case revision,
        so the ledger key (case, to_state, revision) stays unique and a later
        run may move the partner forward again (and announce it again: notices
        are unique per revision too). The dates the undone steps set are
        cleared, and their notices not sent yet are cancelled.
        """
        target = transition.revert_to
        self.env.flush_all()
        cases, _complete = self._offboarding_get_cases(states, transition)
        self._offboarding_write_state(
            transition.company, target, tuple(set(states.values()))
        )
        # The update below bumps the revision the ledger rows are keyed on.
        cases = {
            pid: (case_id, reason_id, revision + 1)
            for pid, (case_id, reason_id, revision) in cases.items()
        }
        case_records = self.env["customer.offboarding.case"].browse(
            [case[0] for case in cases.values()]
        )
        self._offboarding_archive_side(transition, states, case_records)
        self.env["customer.offboarding.notice"]._cancel_pending(
            case_records, after_state=target
        )
        self.env.flush_all()
        bulk_sql.update_cases(
            self.env, case_records.ids, self._offboarding_revert_values(target)
        )
        self._offboarding_log(cases, states, transition)
        self.env.invalidate_all()

    def _offboarding_revert_values(self, target):
        """The case columns an undo back to ``target`` sets: the state, a new
        revision, the dates of the later steps cleared."""
        values = {
            name: None
            for state in later_states(target)
            for name in STATE_CASE_DATES[state]
        }
        values.update(
            state=target,
            revision=SQL("revision + 1"),
            write_uid=self.env.uid,
            write_date=fields.Datetime.now(),
        )
        return values

    def _offboarding_get_cases(self, states, transition, case_values=None):
        """Return ({partner_id: (case_id, reason_id, revision)}, ids of the
        cases opened complete) of the open cases, opening the missing ones.

        Cases opened for active partners are inserted complete, with the
        move's ``case_values`` (no update after). A partner without its case
        in another status (a repair) gets one in its current status, which the
        update that follows moves.
        """
        company = transition.company
        # Active partners have no open case: only the others are looked up
        # (an active partner that has one anyway is caught by the insert below).
        cases = bulk_sql.find_open_cases(
            self.env, company, [pid for pid in self.ids if states[pid] != "active"]
        )
        missing = [pid for pid in self.ids if pid not in cases]
        if not missing:
            return cases, set()
        complete = bool(case_values) and all(states[pid] == "active" for pid in missing)
        opened = bulk_sql.insert_cases(
            self.env,
            company,
            [
                (pid, case_values["state"] if complete else states[pid])
                for pid in missing
            ],
            transition.reason
            or transition.open_reason
            or self.env.ref("customer_offboarding.reason_other"),
            transition.rule,
            case_values if complete else None,
        )
        cases.update(opened)
        if len(opened) < len(missing):
            cases.update(
                bulk_sql.find_open_cases(
                    self.env, company, [pid for pid in missing if pid not in opened]
                )
            )
        return cases, {case[0] for case in opened.values()} if complete else set()

    def _offboarding_write_state(self, company, target, sources):
        """Compare-and-set the status of these partners and their contacts."""
        self.env["res.partner"].flush_model(
            ["offboarding_state", "commercial_partner_id"]
        )
        moved = bulk_sql.write_states(self.env, self.ids, company, target, sources)
        self.env["res.partner"].invalidate_model(["offboarding_state"])
        if moved != len(self):
            raise UserError(
                self.env._(
                    "Another user changed the offboarding status of some of these "
                    "customers at the same time. Reload and try again."
                )
            )

    def _offboarding_case_values(self, transition):
        """The case columns a move sets: state and the matching date."""
        today = fields.Date.context_today(self)
        target = transition.target
        if target == "active":
            values = {
                "state": transition.closing_state
                or OPERATIONS[transition.operation].closing_state,
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
                # (see bulk_sql.update_cases).
                values.update(retired_date=today, end_date=today)
            elif target == "archived":
                values["archived_date"] = today
            elif target == "anonymized":
                values["anonymized_date"] = today
        values.update(write_uid=self.env.uid, write_date=fields.Datetime.now())
        return values

    # ------------------------------------------------------------------
    # The ledger and the chatter
    # ------------------------------------------------------------------

    def _offboarding_log(self, cases, states, transition):
        """Append one ledger event per partner and a chatter line on its partner."""
        now = fields.Datetime.now()
        reason = transition.reason or self.env["customer.offboarding.reason"]
        ordered = {pid: cases[pid] for pid in self.ids}
        bulk_sql.insert_events(self.env, transition, ordered, states, reason, now)
        bodies = self._offboarding_log_bodies(ordered, states, transition, reason)
        # The partner's chatter tells the story; the case lists its events.
        bulk_sql.insert_notes(self.env, "res.partner", self.ids, bodies, now)

    def _offboarding_log_bodies(self, cases, states, transition, reason):
        """One chatter body per partner (built once per from-state and reason)."""
        labels = self._offboarding_state_labels()
        Reason = self.env["customer.offboarding.reason"]
        built = {}
        bodies = []
        for partner_id in self.ids:
            key = (states[partner_id], reason.id or cases[partner_id][1])
            if key not in built:
                body = Markup("<p>%s</p>") % self.env._(
                    "Offboarding (%(company)s): %(from)s → %(to)s. Reason: %(reason)s.",
                    company=transition.company.name,
                    reason=Reason.browse(key[1]).name or "",
                    **{"from": labels[key[0]], "to": labels[transition.target]},
                )
                if transition.note:
                    body += Markup("<p>%s</p>") % transition.note
                built[key] = str(body)
            bodies.append(built[key])
        return bodies

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def _offboarding_state_labels(self):
        return dict(
            self.env["res.partner"]
            ._fields["offboarding_state"]
            ._description_selection(self.env)
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

    def _offboarding_sync_from_commercial(self):
        """Give contacts their commercial partner's status after (re)parenting."""
        self.flush_model(["commercial_partner_id", "parent_id", "offboarding_state"])
        bulk_sql.sync_contact_states(
            self.env,
            self.ids,
            self.with_context(active_test=False).commercial_partner_id.ids,
        )
        self.env["res.partner"].invalidate_model(["offboarding_state"])
