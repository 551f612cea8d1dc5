import logging
import threading
import time
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_date

from ..const import MANAGER_GROUP, MAX_RUN_WORKERS, NOTICE_ON_STATE, OPERATIONS
from ..tools import scheduler
from ..tools.guard import require_group
from ..tools.transition import Transition
from ..tools.worker_pool import run_workers, split_ids, worker_count

_logger = logging.getLogger(__name__)

# Seconds between two progress reports of a run whose shares are processed by
# worker threads.
PROGRESS_INTERVAL = 10
# Partner ids are scanned in ranges of this width: one transaction each.
ID_RANGE = 50000
# Rules whose moves send notices render one mail per moved customer in the
# same transaction (about 5 ms each, measured): narrower ranges keep each
# transaction short.
ID_RANGE_NOTICES = 5000
NOTICE_ACTIONS = tuple(
    name
    for name, operation in OPERATIONS.items()
    if any(
        NOTICE_ON_STATE.get(OPERATIONS[step].target) for step in operation.rule_steps
    )
)


class CustomerOffboardingRun(models.Model):
    _name = "customer.offboarding.run"
    _description = "Offboarding Rule Run"
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name")
    # A run evaluates the rules of one company: only that company's managers
    # see it and undo it, and its undo moves only that company's customers.
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True
    )
    trigger = fields.Selection(
        [("cron", "Scheduled"), ("manual", "Run Now")],
        required=True,
        readonly=True,
        default="manual",
    )
    state = fields.Selection(
        [("running", "Running"), ("done", "Done")],
        required=True,
        readonly=True,
        default="running",
        index=True,
    )
    as_of_date = fields.Date(
        required=True,
        readonly=True,
        help="The date every rule of the run is evaluated at, kept when a run "
        "resumes on a later day.",
    )
    id_bound = fields.Integer(
        readonly=True,
        help="Partners created after the run started are left to the next run.",
    )
    started_at = fields.Datetime(readonly=True, default=fields.Datetime.now)
    ended_at = fields.Datetime(readonly=True)
    duration = fields.Float(string="Duration (s)", readonly=True, digits=(16, 1))
    user_id = fields.Many2one(
        "res.users", readonly=True, default=lambda self: self.env.user
    )
    line_ids = fields.One2many(
        "customer.offboarding.run.line", "run_id", string="Rules", readonly=True
    )
    undone_date = fields.Datetime(readonly=True)
    undone_count = fields.Integer(
        readonly=True, help="Customers the undo moved back to where they were."
    )
    progress = fields.Float(
        compute="_compute_progress",
        help="Share of the partner ids the run's rules have evaluated.",
    )
    # Not stored: the lines are written by worker threads at the same time,
    # which must not write the run's row (the analysis reads the lines).
    matched_count = fields.Integer(compute="_compute_counts")
    exempted_count = fields.Integer(compute="_compute_counts")
    moved_count = fields.Integer(compute="_compute_counts")
    error_count = fields.Integer(compute="_compute_counts")

    @api.depends("as_of_date", "trigger")
    def _compute_name(self):
        labels = dict(self._fields["trigger"]._description_selection(self.env))
        for run in self:
            run.name = self.env._(
                "%(trigger)s run of %(date)s",
                trigger=labels.get(run.trigger, ""),
                date=format_date(self.env, run.as_of_date) if run.as_of_date else "",
            )

    @api.depends("line_ids.state", "line_ids.cursor")
    def _compute_progress(self):
        for run in self:
            lines = run.line_ids
            run.progress = (
                100.0 * sum(line._done_share() for line in lines) / len(lines)
                if lines
                else 100.0
            )

    @api.depends(
        "line_ids.matched",
        "line_ids.exempted",
        "line_ids.moved",
        "line_ids.state",
    )
    def _compute_counts(self):
        for run in self:
            run.matched_count = sum(run.line_ids.mapped("matched"))
            run.exempted_count = sum(run.line_ids.mapped("exempted"))
            run.moved_count = sum(run.line_ids.mapped("moved"))
            # Rules in error (a rule has one line per share of the run).
            run.error_count = len(
                run.line_ids.filtered(lambda line: line.state == "error").rule_id
            )

    @api.model
    def _start(self, rules, trigger):
        """Create a run per company of ``rules``, frozen at today's date.

        The partner ids are split into as many shares as the run has workers
        (each share about as many commercial partners); every rule gets one
        line per share.
        """
        if not rules:
            return self.browse()
        id_bound = scheduler.id_bound(self.env)
        shares = self._get_shares(id_bound, self._get_worker_count())
        return self.create(
            [
                {
                    "company_id": company.id,
                    "trigger": trigger,
                    "as_of_date": fields.Date.context_today(self),
                    "id_bound": id_bound,
                    "user_id": self.env.uid,
                    "line_ids": [
                        fields.Command.create(
                            {
                                "rule_id": rule.id,
                                "id_from": id_from,
                                "id_to": id_to,
                                "cursor": id_from,
                            }
                        )
                        for rule in company_rules
                        for id_from, id_to in shares
                    ],
                }
                for company, company_rules in rules.grouped("company_id").items()
            ]
        )

    @api.model
    def _start_daily_runs(self, rules):
        """Start today's scheduled run of each company with active rules, once."""
        today = fields.Date.context_today(self)
        started = self.search(
            [("trigger", "=", "cron"), ("as_of_date", "=", today)]
        ).company_id
        return self._start(
            rules.filtered(lambda rule: rule.company_id not in started), "cron"
        )

    @api.model
    def _cron_execute(self):
        """Work on the unfinished runs, oldest first, within this call's time
        budget; the scheduler calls again while ranges remain."""
        deadline = scheduler.deadline(
            self.env, "customer_offboarding.ir_cron_evaluate_rules"
        )
        if deadline is None:
            return
        target = scheduler.time_budget()
        done = 0
        for run in self.search([("state", "=", "running")], order="id"):
            finished, done = run._execute_until(deadline, done, target)
            if not finished:
                return

    @api.model
    def _get_worker_count(self):
        """How many id shares a run is split into, processed at the same time
        (Settings: ``customer_offboarding.run_workers``); one where nothing
        may be committed (tests)."""
        if not scheduler.can_commit(self.env):
            return 1
        setting = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("customer_offboarding.run_workers", 0)
        )
        return worker_count(setting, MAX_RUN_WORKERS)

    @api.model
    def _get_shares(self, id_bound, count):
        """[(id_from, id_to)]: ``count`` consecutive id intervals covering
        [0, id_bound), each with about as many commercial partners."""
        if count <= 1 or id_bound <= ID_RANGE:
            return [(0, id_bound)]
        self.env["res.partner"].flush_model(["commercial_partner_id"])
        return split_ids(
            self.env,
            SQL("res_partner WHERE id = commercial_partner_id"),
            id_bound,
            count,
        )

    def _get_id_range(self):
        """Width of the partner-id ranges of this run (one transaction each)."""
        if any(
            action in NOTICE_ACTIONS
            for action in self.line_ids.rule_id.mapped("action")
        ):
            return ID_RANGE_NOTICES
        return ID_RANGE

    def _execute(self, time_budget=None):
        """Process the pending id ranges of every rule, committing each one.

        Returns True when the run is finished. With a time budget, stops
        before the range that would exceed it (after at least one); the next
        call resumes at the checkpoints.
        """
        deadline = time.monotonic() + time_budget if time_budget else None
        return self._execute_until(deadline, target=time_budget)[0]

    def _execute_until(self, deadline, done_before=0, target=None):
        """Process the run until ``deadline`` (monotonic; None: the end).

        Returns (finished, ranges done in this call including
        ``done_before``). A run split in shares has them processed at the
        same time, one worker thread (with its own transactions) per share.
        A range that takes longer than ``target`` seconds narrows the next
        ones of its line, so that one range fits in a call.
        """
        self.ensure_one()
        shares = self._get_pending_shares()
        workers = min(len(shares), self._get_worker_count())
        if scheduler.can_commit(self.env):
            # Each range has a transaction of its own (a range that meets a
            # concurrent change is rolled back and tried again), and workers
            # read the run from theirs: commit the run if it was just started.
            # Nothing of this thread's transaction then stays open (holding
            # its snapshot) while the workers work.
            self.env.cr.commit()  # pylint: disable=invalid-commit
        else:
            self.env.flush_all()
        if workers > 1:
            done = self._execute_parallel(
                shares, workers, deadline, done_before, target
            )
        else:
            done = self._execute_sequential(deadline, done_before, target)
        self._update_rules()
        if self.line_ids.filtered(lambda line: line.state == "pending"):
            return False, done
        self.write(
            {
                "state": "done",
                "ended_at": fields.Datetime.now(),
                "duration": (fields.Datetime.now() - self.started_at).total_seconds(),
            }
        )
        self._checkpoint(done)
        self._notify_done()
        return True, done

    def _notify_done(self):
        """Tell the user who pressed Run Now that the run is finished."""
        user = self.user_id
        if self.trigger != "manual" or not user.active or user._is_superuser():
            return
        user._bus_send(
            "simple_notification",
            {
                "type": "success",
                "title": self.name,
                "message": self.env._(
                    "Finished: %(moved)s customers moved, %(exempted)s exempted.",
                    moved=self.moved_count,
                    exempted=self.exempted_count,
                ),
            },
        )

    def action_refresh(self):
        """Reload the run's form (the web client reloads the record)."""
        self.check_access("read")
        return True

    def _get_pending_shares(self):
        """[[line ids in rule order]] of the shares with pending lines."""
        shares = defaultdict(list)
        for line in self.line_ids.sorted(lambda line: (line.id_from, line.id)):
            if line.state == "pending":
                shares[line.id_from].append(line.id)
        return list(shares.values())

    def _execute_sequential(self, deadline, done=0, target=None):
        """Process the pending lines one range at a time; return how many."""
        for line in self.line_ids.filtered(lambda line: line.state == "pending"):
            while line.state == "pending":
                started = time.monotonic()
                line._process_range(target)
                done += 1
                self._checkpoint(done)
                if scheduler.past(deadline, time.monotonic() - started):
                    return done
        return done

    def _execute_parallel(self, shares, workers, deadline, done_before=0, target=None):
        """Process the shares in ``workers`` threads, one share at a time each;
        return how many ranges they processed.

        The shares hold different partners, so the workers never write the
        same rows: each updates its lines, its partners and their cases. This
        thread reports the progress while they work; the rules are updated
        when they are done. A worker that fails (not a rule: its connection,
        say) leaves its lines pending, and its error is raised here once the
        others have stopped: the next call resumes at the checkpoints.
        """
        counter = {"done": done_before}
        lock = threading.Lock()

        def work(cr, line_ids):
            return self._work_on_share(cr, line_ids, deadline, target, counter, lock)

        def tick():
            if scheduler.can_commit(self.env):
                # Workers commit in their own transactions: a fresh
                # transaction here sees their checkpoints.
                self.env.invalidate_all()
                self._checkpoint(counter["done"])

        errors = run_workers(
            self.env.registry,
            shares,
            workers,
            work,
            tick=tick,
            interval=PROGRESS_INTERVAL,
            name=f"offboarding-run-{self.id}",
        )
        self.env.invalidate_all()
        if errors:
            self._update_rules()
            self._checkpoint(counter["done"])
            raise errors[0]
        return counter["done"]

    def _work_on_share(self, cr, line_ids, deadline, target, counter, lock):
        """In a worker thread (cursor ``cr``): process the lines of one share
        range by range, each range in its own committed transaction; return
        False once the call's time is up."""
        if scheduler.past(deadline, 0.0):
            return False
        Line = self.env(cr=cr)["customer.offboarding.run.line"]
        for line in Line.browse(line_ids):
            while line.state == "pending":
                started = time.monotonic()
                line._process_range(target)
                # The worker's own transaction, one per range.
                cr.commit()  # pylint: disable=invalid-commit
                with lock:
                    counter["done"] += 1
                if scheduler.past(deadline, time.monotonic() - started):
                    return False
        return True

    def _update_rules(self):
        """Record on each rule its run's outcome: the error of one of its
        lines, or no error once all its lines are done."""
        for rule, lines in self.line_ids.grouped("rule_id").items():
            errors = lines.filtered(lambda line: line.state == "error")
            if errors:
                values = {"last_error": errors[0].error, "last_run_id": self.id}
            elif all(line.state == "done" for line in lines):
                values = {"last_error": False, "last_run_id": self.id}
            else:
                continue
            if rule.last_error != values["last_error"] or rule.last_run_id != self:
                rule.sudo().write(values)

    def _remaining_ranges(self):
        """Ranges left in every unfinished run (the scheduler's remaining)."""
        remaining = 0
        for run in self.search([("state", "=", "running")]):
            for line in run.line_ids.filtered(lambda line: line.state == "pending"):
                remaining += max(1, -(-(line.id_to - line.cursor) // line._width()))
        return remaining

    def _checkpoint(self, done):
        """Report progress to the scheduler and commit the finished range."""
        self.env["ir.cron"]._notify_progress(
            done=done, remaining=self._remaining_ranges()
        )
        if scheduler.can_commit(self.env):
            # One transaction per id range: a killed run keeps what it finished
            # and resumes from the line cursors.
            self.env.cr.commit()  # pylint: disable=invalid-commit

    def action_undo(self):
        """Move back every customer this run moved and that has not moved since.

        The inverse of the run: customers it took from active go back to
        active with their case closed as cancelled and no notice (they never
        left, so no welcome back); the others go back to where they were,
        with the dates of the undone steps cleared. Notices of the undone
        moves that were not sent yet are cancelled; a later move is
        announced again.
        """
        self.ensure_one()
        require_group(
            self.env,
            MANAGER_GROUP,
            self.env._("Only offboarding managers can undo a run."),
        )
        # The run's company must be one of the user's (record rules).
        self.check_access("read")
        if self.state != "done" or self.undone_date:
            raise UserError(
                self.env._("Only a finished run can be undone, and only once.")
            )
        note = self.env._("Undo of %(run)s.", run=self.name)
        undone = 0
        for (last_to, first_from), partner_ids in (
            self.env["customer.offboarding.event"]._moves_of_run(self).items()
        ):
            undone += self._undo_moves(partner_ids, last_to, first_from, note)
        # The run is system-written (no write access for anyone): the manager
        # and company checks above are the gate.
        self.sudo().write(
            {"undone_date": fields.Datetime.now(), "undone_count": undone}
        )
        return True

    def _undo_moves(self, partner_ids, last_to, first_from, note):
        """Move back those of ``partner_ids`` still in ``last_to`` (where the
        run left them) to ``first_from`` (where it found them); return how
        many."""
        company = self.company_id
        partners = self.env["res.partner"].sudo().with_company(company)
        states = partners.browse(partner_ids)._offboarding_read_states(company)
        unmoved = partners.browse(
            [pid for pid in partner_ids if states[pid] == last_to]
        )
        if not unmoved:
            return 0
        if first_from != "active":
            unmoved._offboarding_revert(
                states,
                Transition(
                    "revert",
                    company,
                    note=note,
                    origin="undo",
                    run=self,
                    revert_to=first_from,
                ),
            )
            return len(unmoved)
        unmoved._offboarding_apply(states, self._undo_to_active(company, last_to, note))
        return len(unmoved)

    def _undo_to_active(self, company, last_to, note):
        """The move that takes customers the run found active back there from
        ``last_to``: their case closed as cancelled (they never left), nothing
        sent."""
        operation = next(
            name
            for name, op in OPERATIONS.items()
            if op.target == "active" and last_to in op.sources
        )
        return Transition(
            operation,
            company,
            note=note,
            origin="undo",
            run=self,
            closing_state="cancelled",
            notify=False,
        )

    def action_open_events(self):
        self.ensure_one()
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_offboarding.customer_offboarding_event_action"
        )
        action["domain"] = [("run_id", "=", self.id)]
        return action

    def unlink(self):
        if any(run.state == "running" for run in self):
            raise UserError(self.env._("A running run cannot be deleted."))
        return super().unlink()
