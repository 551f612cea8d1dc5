import logging
import os
import random
import threading
import time
from collections import defaultdict
from datetime import timedelta
from queue import Empty, Queue

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.service.model import (
    MAX_TRIES_ON_CONCURRENCY_FAILURE,
    PG_CONCURRENCY_EXCEPTIONS_TO_RETRY,
)
from odoo.service.server import SLEEP_INTERVAL
from odoo.tools import SQL, config, format_date

from odoo.addons.base.models.ir_cron import MAX_BATCH_PER_CRON_JOB

from ..const import MANAGER_GROUP, MAX_RUN_WORKERS, OPERATIONS
from ..tools.transition import Transition
from .customer_offboarding_rule import ID_RANGE, ID_RANGE_NOTICES, NOTICE_ACTIONS

_logger = logging.getLogger(__name__)

# The addon's scheduled actions that work in batches (rules, tiers, reminders).
CRON_COUNT = 3
# Seconds between two progress reports of a run whose shares are processed by
# worker threads.
PROGRESS_INTERVAL = 10

# Rule action -> the lifecycle operations it performs, in order.
ACTION_STEPS = {
    "flag": ("flag",),
    "start": ("start",),
    "retire": ("retire",),
    "archive": ("retire", "archive"),
}


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
        id_bound = rules[:1]._get_id_bound()
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
        deadline = self._get_deadline()
        if deadline is None:
            return
        target = self._get_time_budget()
        done = 0
        for run in self.search([("state", "=", "running")], order="id"):
            finished, done = run._execute_until(deadline, done, target)
            if not finished:
                return

    @api.model
    def _get_worker_count(self):
        """How many id shares a run is split into, processed at the same time.

        Each worker has its own database connection and transactions; the
        system parameter ``customer_offboarding.run_workers`` (Settings) sets
        it, by default one per processor of this server, at most four. The
        workers' connections come from this process's pool (``db_maxconn``),
        which also holds the scheduler's own two. Where nothing may be
        committed (tests), a run has one worker.
        """
        if not self._can_commit():
            return 1
        default = min(4, os.cpu_count() or 1)
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("customer_offboarding.run_workers", default)
        )
        try:
            value = int(value)
        except (TypeError, ValueError):
            value = default
        value = min(MAX_RUN_WORKERS, value) if value > 0 else default
        return max(1, min(value, (config.get("db_maxconn") or 64) - 2))

    @api.model
    def _get_shares(self, id_bound, count):
        """[(id_from, id_to)]: ``count`` consecutive id intervals covering
        [0, id_bound), cut where each holds about as many commercial partners.

        Commercial partners are the ones rules evaluate; cutting by id alone
        gives unequal shares where ids are not evenly used (measured: the two
        halves by id took 47.8 s instead of 35.8 s at 1,000,000 partners).
        """
        if count <= 1 or id_bound <= ID_RANGE:
            return [(0, id_bound)]
        self.env["res.partner"].flush_model(["commercial_partner_id"])
        cuts = self.env.execute_query(
            SQL(
                """
                SELECT percentile_disc(%s::float[]) WITHIN GROUP (ORDER BY id)
                  FROM res_partner
                 WHERE id = commercial_partner_id AND id < %s
                """,
                [i / count for i in range(1, count)],
                id_bound,
            )
        )[0][0]
        bounds = sorted({0, id_bound, *(cut + 1 for cut in cuts or () if cut)})
        return list(zip(bounds, bounds[1:], strict=False))

    @api.model
    def _get_pass_limit(self):
        """Seconds Odoo lets one pass of the scheduler take (0: no limit).

        With worker processes, a cron worker's watchdog also counts the sleep
        before the pass (Odoo's SLEEP_INTERVAL, 60 s, plus up to 9 s): what
        is left of the limit is the pass's.
        """
        limit = config.get("limit_time_real_cron")
        if limit is None or limit < 0:
            limit = config.get("limit_time_real") or 0
        if limit and config.get("workers"):
            limit = max(1, limit - SLEEP_INTERVAL - 10)
        return max(0, limit)

    @api.model
    def _get_time_budget(self):
        """Seconds one call of a scheduled action of the addon may work.

        Odoo's scheduler calls a job again, up to MAX_BATCH_PER_CRON_JOB (10)
        times in the same pass, while it reports remaining work, and the
        whole pass (every job ready in the database, the mail queue too) runs
        under one time limit: a cron worker past it is killed, the threaded
        server restarts. The addon's scheduled actions (CRON_COUNT of them,
        all ready in one pass after a night the server was down), each
        called ten times, take half that limit at most.
        """
        limit = self._get_pass_limit()
        if not limit:
            return 60.0
        return max(0.1, limit / (2 * MAX_BATCH_PER_CRON_JOB * CRON_COUNT))

    @api.model
    def _get_deadline(self, cron_xmlid="customer_offboarding.ir_cron_evaluate_rules"):
        """The monotonic time this call stops at, or None when the scheduler's
        pass has already spent its half of the limit (threaded server: the
        pass start is known). The cron is then triggered for the next pass
        instead of working now."""
        budget = self._get_time_budget()
        limit = self._get_pass_limit()
        pass_start = getattr(threading.current_thread(), "start_time", None)
        if limit and pass_start:
            left = limit / 2 - (time.time() - pass_start)
            if left <= 0:
                self.env.ref(cron_xmlid).sudo()._trigger()
                return None
            budget = min(budget, left)
        return time.monotonic() + budget

    def _get_id_range(self):
        """Width of the partner-id ranges of this run (one transaction each)."""
        if any(
            action in NOTICE_ACTIONS
            for action in self.line_ids.rule_id.mapped("action")
        ):
            return ID_RANGE_NOTICES
        return ID_RANGE

    def _can_commit(self):
        """Whether batches may be committed: not in tests, nor while a module
        is installed (demo data runs rules in the install's transaction)."""
        if getattr(threading.current_thread(), "testing", False):
            return False
        return self.env.registry.ready

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
        if self._can_commit():
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

    @staticmethod
    def _past(deadline, last_range):
        """Whether the next range, as long as the last one, would end after
        ``deadline``."""
        return bool(deadline) and time.monotonic() + last_range > deadline

    def _execute_sequential(self, deadline, done=0, target=None):
        """Process the pending lines one range at a time; return how many."""
        for line in self.line_ids.filtered(lambda line: line.state == "pending"):
            while line.state == "pending":
                started = time.monotonic()
                self._process_range(line, target)
                done += 1
                self._checkpoint(done)
                if self._past(deadline, time.monotonic() - started):
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
        queue = Queue()
        for line_ids in shares:
            queue.put(line_ids)
        counter = {"done": done_before, "errors": []}
        lock = threading.Lock()
        parent = threading.current_thread()
        threads = [
            threading.Thread(
                target=self._work_on_shares,
                args=(queue, deadline, counter, lock, parent, target),
                name=f"{parent.name}-offboarding-{number}",
                daemon=True,
            )
            for number in range(workers)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            while thread.is_alive():
                thread.join(PROGRESS_INTERVAL)
                if self._can_commit():
                    # Workers commit in their own transactions: a fresh
                    # transaction here sees their checkpoints.
                    self.env.invalidate_all()
                    self._checkpoint(counter["done"])
        self.env.invalidate_all()
        if counter["errors"]:
            self._update_rules()
            self._checkpoint(counter["done"])
            raise counter["errors"][0]
        return counter["done"]

    def _work_on_shares(self, queue, deadline, counter, lock, parent, target=None):
        """Worker thread: take shares from ``queue`` and process their lines
        range by range, each range in its own committed transaction."""
        thread = threading.current_thread()
        for attribute in ("dbname", "uid", "testing"):
            if hasattr(parent, attribute):
                setattr(thread, attribute, getattr(parent, attribute))
        try:
            with self.env.registry.cursor() as cr:
                Line = self.env(cr=cr)["customer.offboarding.run.line"]
                last_range = 0.0
                while not self._past(deadline, last_range):
                    try:
                        line_ids = queue.get_nowait()
                    except Empty:
                        return
                    for line in Line.browse(line_ids):
                        while line.state == "pending":
                            started = time.monotonic()
                            self._process_range(line, target)
                            # The worker's own transaction, one per range.
                            cr.commit()  # pylint: disable=invalid-commit
                            with lock:
                                counter["done"] += 1
                            last_range = time.monotonic() - started
                            if self._past(deadline, last_range):
                                return
        except Exception as error:  # noqa: BLE001 - reported by the run's thread
            _logger.exception("Offboarding run %s: a worker failed", self.id)
            with lock:
                counter["errors"].append(error)

    def _process_range(self, line, target=None):
        """Process the next range of ``line`` in a transaction of its own.

        A concurrency error (a user saved one of these customers meanwhile)
        rolls the range back and tries it again, as Odoo retries a request;
        after the last try it is recorded as the rule's error. Where nothing
        may be committed (tests), nothing can be rolled back either: the error
        is recorded at once. A range slower than ``target`` seconds narrows
        the line's next ones.
        """
        started = time.monotonic()
        if not self._can_commit():
            line._process_next_range()
            line._adapt_width(time.monotonic() - started, target)
            return
        for attempt in range(1, MAX_TRIES_ON_CONCURRENCY_FAILURE + 1):
            try:
                line._process_next_range(
                    retry=attempt < MAX_TRIES_ON_CONCURRENCY_FAILURE
                )
                line._adapt_width(time.monotonic() - started, target)
                return
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY as error:
                line.env.cr.rollback()
                line.env.reset()
                wait = random.uniform(0.0, 2**attempt)
                _logger.info(
                    "Offboarding run %s, rule %s: %s; range tried again in %.1f s",
                    self.id,
                    line.rule_id.id,
                    error.pgcode,
                    wait,
                )
                time.sleep(wait)

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
        if self._can_commit():
            # One transaction per id range: a killed run keeps what it finished
            # and resumes from the line cursors.
            self.env.cr.commit()  # pylint: disable=invalid-commit

    def _apply_rule(self, rule, partner_ids, states):
        """Move ``partner_ids`` as the rule's action says, step by step.

        ``states`` ({partner_id: status}) comes from the detection that locked
        these partners. Returns the ids of the partners that moved (a
        customer whose notice waits for approval is not archived).
        """
        if not partner_ids:
            return []
        company = rule.company_id
        # Moves are recorded as done by who ran the rules (Run Now), as
        # superuser: the run was checked when it was started.
        partners = (
            self.env["res.partner"]
            .with_user(self.user_id or self.env.user)
            .sudo()
            .with_company(company)
            .browse(partner_ids)
        )
        moved = set()
        for operation in ACTION_STEPS[rule.action]:
            moved |= self._apply_rule_step(rule, operation, partners, states)
        moved_partners = partners.browse(sorted(moved))
        if moved_partners and rule.activity_type_id:
            self._schedule_rule_activities(rule, moved_partners)
        if moved_partners and rule.server_action_id:
            self._run_server_action(rule, moved_partners)
        return moved_partners.ids

    def _run_server_action(self, rule, partners):
        """The rule's server action, on the customers it moved, with the rights
        of the user who attached it (Odoo checks the action's groups against
        that user), never as the scheduler's superuser."""
        user = rule.server_action_user_id
        if not user or not (user.active or user._is_superuser()):
            raise UserError(
                self.env._(
                    "The server action of rule “%(rule)s” has nobody to run it as: "
                    "attach it again.",
                    rule=rule.name,
                )
            )
        rule.server_action_id.with_user(user).with_company(
            rule.company_id
        ).with_context(
            active_model="res.partner",
            active_ids=partners.ids,
            active_id=partners.ids[0],
        ).run()

    def _schedule_rule_activities(self, rule, partners):
        """One owner activity per moved customer, created in one batch."""
        deadline = fields.Date.context_today(self) + timedelta(
            days=rule.activity_deadline_days
        )
        model_id = self.env["ir.model"]._get_id("res.partner")
        fallback = rule.activity_user_id or self.env.user
        self.env["mail.activity"].with_context(mail_activity_quick_update=True).create(
            [
                {
                    "res_model_id": model_id,
                    "res_id": partner.id,
                    "activity_type_id": rule.activity_type_id.id,
                    "summary": rule.activity_summary or rule.name,
                    "date_deadline": deadline,
                    "user_id": (partner.user_id or fallback).id,
                }
                for partner in partners
            ]
        )

    def _apply_rule_step(self, rule, operation, partners, states):
        """Apply one step to the partners ``states`` shows in its source
        states, then record their new status in ``states``; return the ids
        moved."""
        company = rule.company_id
        target, sources = OPERATIONS[operation]
        group = partners.browse([pid for pid in partners.ids if states[pid] in sources])
        if operation == "archive":
            # A notice still waiting for approval keeps the customer retired.
            group -= group._offboarding_waiting_notice(company)
        if not group:
            return set()
        end_date = False
        if operation == "start":
            end_date = group._offboarding_resolve_end_date("start", None, company)
        group._offboarding_apply(
            company,
            states,
            Transition(
                operation,
                # The rule's reason names the cases it flags or starts; a
                # retirement keeps the reason of an existing case and gives
                # the rule's to the cases it opens.
                reason=rule.reason_id if operation in ("flag", "start") else None,
                open_reason=rule.reason_id,
                end_date=end_date,
                origin="rule",
                rule=rule,
                run=self,
            ),
        )
        states.update(dict.fromkeys(group.ids, target))
        return set(group.ids)

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
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(self.env._("Only offboarding managers can undo a run."))
        # The run's company must be one of the user's (record rules).
        self.check_access("read")
        if self.state != "done" or self.undone_date:
            raise UserError(
                self.env._("Only a finished run can be undone, and only once.")
            )
        note = self.env._("Undo of %(run)s.", run=self.name)
        undone = 0
        company = self.company_id
        for (last_to, first_from), partner_ids in self._get_moves().items():
            partners = (
                self.env["res.partner"].sudo().with_company(company).browse(partner_ids)
            )
            states = partners._offboarding_read_states(company)
            unmoved = partners.browse(
                [pid for pid in partner_ids if states[pid] == last_to]
            )
            if not unmoved:
                continue
            if first_from == "active":
                unmoved._offboarding_apply(
                    company,
                    states,
                    Transition(
                        "cancel"
                        if last_to in ("at_risk", "retiring")
                        else "reactivate",
                        note=note,
                        origin="undo",
                        run=self,
                        closing_state="cancelled",
                        notify=False,
                    ),
                )
            else:
                unmoved._offboarding_revert(company, states, first_from, self, note)
            undone += len(unmoved)
        # The run is system-written (no write access for anyone): the manager
        # and company checks above are the gate.
        self.sudo().write(
            {"undone_date": fields.Datetime.now(), "undone_count": undone}
        )
        return True

    def _get_moves(self):
        """{(last to_state, first from_state): partner ids} of this run, in its
        company."""
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
                self.id,
                self.company_id.id,
            )
        )
        moves = defaultdict(list)
        for last_to, first_from, partner_id in rows:
            moves[(last_to, first_from)].append(partner_id)
        return moves

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
