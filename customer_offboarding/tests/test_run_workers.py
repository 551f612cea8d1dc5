import os
from unittest.mock import patch

import psycopg2

from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import SQL, config, mute_logger

from ..tools import scheduler
from .test_rules import RUN, RulesCommon

LINE = "odoo.addons.customer_offboarding.models.customer_offboarding_run_line"


@tagged("post_install", "-at_install")
class TestRunWorkers(RulesCommon):
    """A run split into shares of partner ids, processed by worker threads.

    The workers open their own cursors: in test mode (as in HTTP tests) those
    are test cursors on this test's transaction, taken one at a time, so the
    threaded path runs here for real, only not at the same time.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Enough customers that both halves of the commercial partners (the
        # database's own and these) hold some of them.
        existing = cls.env.execute_query(
            SQL("SELECT count(*) FROM res_partner WHERE id = commercial_partner_id")
        )[0][0]
        cls.many = cls._create_customers(existing + 10, prefix="RuleTest many")
        cls._age(cls.many, 400)
        cls.everyone = cls.old | cls.young | cls.many

    def setUp(self):
        super().setUp()
        self.registry.enter_test_mode(self.cr)
        self.addCleanup(self.registry.leave_test_mode)

    def _start_split(self, rules, workers=2):
        Run = self.env["customer.offboarding.run"]
        with (
            patch.object(type(Run), "_get_worker_count", lambda self: workers),
            patch(f"{RUN}.ID_RANGE", 1),
        ):
            return Run._start(rules, trigger="cron")

    def _execute(self, run, workers=2):
        # Several id ranges per share: each is its own transaction.
        width = run.id_bound // 7 + 1
        with (
            patch.object(type(run), "_get_worker_count", lambda self: workers),
            patch.object(type(run), "_get_id_range", lambda self: width),
        ):
            return run._execute()

    def test_workers_split_the_run_and_move_each_customer_once(self):
        """Two workers share the partner ids; every customer moves once, as in
        a run with one worker, and the rules record the run."""
        first = self._rule(name="Flag", action="flag")
        second = self._rule(name="Start", action="start", sequence=20)
        run = self._start_split(first | second)
        lines = run.line_ids
        shares = sorted({(line.id_from, line.id_to) for line in lines})
        self.assertEqual(len(shares), 2)
        self.assertEqual(shares[0][0], 0)
        self.assertEqual(shares[0][1], shares[1][0])
        self.assertEqual(shares[1][1], run.id_bound)
        self.assertEqual(len(lines), 4, "one line per rule and share")
        self.assertEqual(lines.mapped("cursor"), lines.mapped("id_from"))
        # Cut where each share holds half of the commercial partners.
        counts = self.env.execute_query(
            SQL(
                """
                SELECT count(*) FILTER (WHERE id < %s), count(*) FILTER (WHERE id >= %s)
                  FROM res_partner
                 WHERE id = commercial_partner_id AND id < %s
                """,
                shares[0][1],
                shares[0][1],
                run.id_bound,
            )
        )[0]
        self.assertLessEqual(abs(counts[0] - counts[1]), 1)

        self.assertTrue(self._execute(run))

        self.assertEqual(run.state, "done")
        self.assertEqual(set(lines.mapped("state")), {"done"})
        self.assertEqual(lines.mapped("cursor"), lines.mapped("id_to"))
        for rule in first | second:
            rule_lines = lines.filtered(lambda line, rule=rule: line.rule_id == rule)
            self.assertTrue(all(line.matched for line in rule_lines), rule.name)
            self.assertEqual(sum(rule_lines.mapped("moved")), len(self.everyone))
            self.assertEqual((rule.last_run_id, rule.last_error), (run, False))
        self.assertEqual(run.moved_count, 2 * len(self.everyone))
        self.assertEqual(self._states(self.everyone), {"retiring"})
        events = self._events(self.everyone)
        self.assertEqual(len(events), 2 * len(self.everyone))
        cases = self.env["customer.offboarding.case"].search(
            [("partner_id", "in", self.everyone.ids)]
        )
        self.assertEqual(len(cases), len(self.everyone))

    def test_workers_a_failing_worker_leaves_its_share_to_the_next_call(self):
        """A worker that fails (its connection, not a rule) leaves its share
        pending: the other share is finished, the error reaches the scheduler,
        and the next call ends the run as a clean run would."""
        rule = self._rule()
        run = self._start_split(rule)
        first_share = run.line_ids.filtered(lambda line: line.id_from == 0)
        Line = type(first_share)
        original = Line._process_next_range

        def connection_lost(line):
            if line.id_from == 0:
                raise psycopg2.OperationalError("server closed the connection")
            return original(line)

        # Not assertRaises: Odoo's rolls back what the block wrote.
        raised = None
        with patch.object(Line, "_process_next_range", connection_lost):
            try:
                with mute_logger(RUN):
                    self._execute(run)
            except psycopg2.OperationalError as error:
                raised = error
        self.assertIn("server closed", str(raised))
        self.assertEqual(run.state, "running")
        self.assertEqual(
            (first_share.state, first_share.cursor), ("pending", first_share.id_from)
        )
        self.assertEqual((run.line_ids - first_share).state, "done")
        self.assertFalse(rule.last_run_id, "the rule's run is not over")

        self.assertTrue(self._execute(run))
        self.assertEqual(run.state, "done")
        self.assertEqual(self._states(self.everyone), {"at_risk"})
        self.assertEqual(len(self._events(self.everyone)), len(self.everyone))
        self.assertEqual(run.moved_count, len(self.everyone))
        self.assertEqual(rule.last_run_id, run)

    def test_workers_a_range_meeting_a_concurrent_change_is_tried_again(self):
        """A range whose customers another transaction changed meanwhile is
        rolled back and tried again, not recorded as the rule's error."""
        rule = self._rule()
        run = self._start_split(rule, workers=1)
        Rule = type(rule)
        original = Rule._apply_action
        calls = []

        def concurrent_change(rule, partner_ids, states, run):
            # The first moves are written, then the transaction fails.
            moved = original(rule, partner_ids, states, run)
            if partner_ids:
                calls.append(list(partner_ids))
                if len(calls) == 1:
                    raise psycopg2.errors.SerializationFailure("concurrent update")
            return moved

        # A cursor of its own, as a worker's (a test cursor here): its
        # rollback undoes the range only.
        with (
            self.registry.cursor() as cr,
            patch.object(scheduler, "can_commit", lambda env: True),
            patch.object(Rule, "_apply_action", concurrent_change),
            patch(f"{LINE}.time.sleep") as sleep,
            mute_logger(LINE),
        ):
            line = run.line_ids.with_env(run.env(cr=cr))
            while line.state == "pending":
                line._process_range()
        self.assertEqual(calls[0], calls[1], "the same range, tried again")
        sleep.assert_called_once()
        self.env.invalidate_all()
        self.assertEqual(run.line_ids.state, "done")
        self.assertFalse(run.line_ids.error)
        self.assertEqual(run.line_ids.moved, len(self.everyone))
        self.assertEqual(self._states(self.everyone), {"at_risk"})
        self.assertEqual(len(self._events(self.everyone)), len(self.everyone))

    def test_workers_a_failing_rule_is_one_error_for_the_run(self):
        """A rule failing in both shares is one rule in error; the other rule
        still runs in both."""
        tag = self.env["res.partner.category"].create({"name": "Discontinued need"})
        broken = self._rule(criterion="needs_changed", name="Broken", tag_ids=tag.ids)
        tag.unlink()  # the rule is left without tags: it cannot run
        working = self._rule(name="Working", sequence=20)
        run = self._start_split(broken | working)
        with mute_logger(LINE):
            self.assertTrue(self._execute(run))
        broken_lines = run.line_ids.filtered(lambda line: line.rule_id == broken)
        self.assertEqual(set(broken_lines.mapped("state")), {"error"})
        self.assertEqual(run.error_count, 1)
        self.assertIn("tag", broken.last_error)
        self.assertEqual(self._states(self.everyone), {"at_risk"})

    def test_workers_setting_is_checked_and_read(self):
        """The number of workers is a setting: 0 means automatic, out of range
        is refused, and a run where nothing may be committed has one."""
        Settings = self.env["res.config.settings"]
        for value in (-1, 9):
            with self.subTest(value=value), self.assertRaises(ValidationError):
                Settings.create({"offboarding_run_workers": value})
        Run = self.env["customer.offboarding.run"]
        self.assertEqual(Run._get_worker_count(), 1, "tests cannot commit")
        automatic = min(4, os.cpu_count() or 1)
        ICP = self.env["ir.config_parameter"].sudo()
        with patch.object(scheduler, "can_commit", lambda env: True):
            self.assertEqual(Run._get_worker_count(), automatic)
            Settings.create({"offboarding_run_workers": 3}).execute()
            self.assertEqual(ICP.get_param("customer_offboarding.run_workers"), "3")
            self.assertEqual(Run._get_worker_count(), 3)
            Settings.create({"offboarding_run_workers": 0}).execute()
            self.assertEqual(Run._get_worker_count(), automatic)
            ICP.set_param("customer_offboarding.run_workers", "many")
            self.assertEqual(Run._get_worker_count(), automatic)
            # Never more connections than this process's pool can give.
            ICP.set_param("customer_offboarding.run_workers", "8")
            with patch.dict(config.options, {"db_maxconn": 4}):
                self.assertEqual(Run._get_worker_count(), 2)
