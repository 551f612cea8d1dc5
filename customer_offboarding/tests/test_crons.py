"""The scheduled actions fit Odoo 18's scheduler: each call works within a
budget sized for ten calls per pass, progress is reported without
re-triggering, and cursors resume where a pass stopped.

The real scheduler (odoo-bin threaded and with a cron worker, a short
--limit-time-real-cron, a run several budgets long) is exercised by
bench/scheduler (README, "Performance").
"""

import threading
import time
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged
from odoo.tools import config

from ..hooks import CRON_HOURS
from ..tools import scheduler
from .common import OffboardingCommon

CRON_TIERS = "customer_offboarding.ir_cron_compute_tiers"


@tagged("post_install", "-at_install")
class TestCrons(OffboardingCommon):
    def _triggers(self, xmlid):
        cron = self.env.ref(xmlid)
        return self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])

    def test_ten_calls_of_every_cron_take_half_the_pass_limit(self):
        """The call budget: the four scheduled actions, each called ten times in
        one pass, use half of limit_time_real_cron (else limit_time_real)."""
        for options, budget in (
            ({"limit_time_real_cron": 160, "workers": 0}, 2.0),
            ({"limit_time_real_cron": -1, "limit_time_real": 80, "workers": 0}, 1.0),
            ({"limit_time_real_cron": 0, "limit_time_real": 0}, 60.0),
            # A cron worker process: its sleep (60 to 69 s) counts too.
            ({"limit_time_real_cron": 150, "workers": 2}, 1.0),
        ):
            with self.subTest(options=options), patch.dict(config.options, options):
                self.assertAlmostEqual(scheduler.time_budget(), budget)

    def test_a_call_after_half_the_pass_yields_to_the_next_pass(self):
        """In the threaded server, a call that starts once the pass has spent half
        its limit does no work and triggers the cron for the next pass."""
        thread = threading.current_thread()
        with patch.dict(config.options, {"limit_time_real_cron": 20}):
            with patch.object(thread, "start_time", time.time() - 11, create=True):
                self.assertIsNone(scheduler.deadline(self.env, CRON_TIERS))
            self.assertTrue(self._triggers(CRON_TIERS))
            with patch.object(thread, "start_time", time.time() - 5, create=True):
                deadline = scheduler.deadline(self.env, CRON_TIERS)
            self.assertLessEqual(deadline - time.monotonic(), 20 / 60 + 0.01)

    def test_tier_cron_resumes_from_the_company_cursor_without_triggering(self):
        """A call cut short keeps its cursor on the company and reports what
        remains (the scheduler calls again); it triggers nothing itself; once
        every range is done, the company's tiers are dated today and a further
        call that day does nothing."""
        Tier = self.env["customer.offboarding.tier"]
        company = self.company
        company._offboarding_set_tier_cursor(0, False)
        self.env.cr.execute("UPDATE res_company SET offboarding_tier_date = NULL")
        self.env["res.company"].invalidate_model(["offboarding_tier_date"])
        bound = scheduler.id_bound(self.env)
        width = bound // 3 + 1
        progress = []
        with (
            patch.object(type(Tier), "_range", lambda self: width),
            patch.object(scheduler, "deadline", lambda env, xmlid: time.monotonic()),
            self._record_progress(progress),
        ):
            Tier._cron_compute()
            self.assertEqual(company.offboarding_tier_cursor, width)
            self.assertFalse(company.offboarding_tier_date)
            self.assertGreater(progress[-1][1], 0)
            self.assertFalse(self._triggers(CRON_TIERS))
            for _call in range(10):
                Tier._cron_compute()
                if all(
                    c.offboarding_tier_date for c in self.env["res.company"].search([])
                ):
                    break
            today = fields.Date.context_today(Tier)
            self.assertEqual(company.offboarding_tier_date, today)
            self.assertEqual(company.offboarding_tier_cursor, 0)
            self.assertEqual(progress[-1][1], 0)
            calls = len(progress)
            Tier._cron_compute()
            self.assertEqual(len(progress), calls, "done for today")
        self.assertFalse(self._triggers(CRON_TIERS))

    def test_every_cron_runs_as_an_offboarding_manager(self):
        """An administrator may give the scheduled actions a scheduler user of
        their own: an offboarding manager can run each of them."""
        self.env.cr.execute("UPDATE res_company SET offboarding_tier_date = NULL")
        self.env["res.company"].invalidate_model(["offboarding_tier_date"])
        for xmlid in CRON_HOURS:
            with self.subTest(cron=xmlid):
                # As Odoo's scheduler runs a job: its server action, as its user.
                self.env.ref(xmlid).ir_actions_server_id.with_user(self.manager).run()
        self.assertEqual(
            self.company.offboarding_tier_date, fields.Date.context_today(self.manager)
        )

    def test_the_crons_start_at_different_times(self):
        """Tiers, rules and reminders do not share one scheduler pass."""
        hours = {self.env.ref(xmlid).nextcall.hour for xmlid in CRON_HOURS}
        self.assertEqual(hours, set(CRON_HOURS.values()))
        noupdate = self.env["ir.model.data"].search(
            [("module", "=", "customer_offboarding"), ("model", "=", "ir.cron")]
        )
        self.assertEqual(set(noupdate.mapped("noupdate")), {True})

    def test_reminders_stop_at_the_deadline_and_say_more_remains(self):
        """The reminder cron reports remaining work when it stops early."""
        self.customers.write({"email": "c@example.com"})
        self._move(self.customers, "retiring")
        self.env.cr.execute(
            "UPDATE customer_offboarding_case SET end_date = %s"
            " WHERE partner_id = ANY(%s)",
            [fields.Date.today(), self.customers.ids],
        )
        self.env["customer.offboarding.case"].invalidate_model(["end_date"])
        Notice = self.env["customer.offboarding.notice"]
        progress = []
        with (
            patch.object(scheduler, "deadline", lambda env, xmlid: time.monotonic()),
            self._record_progress(progress),
        ):
            self.assertEqual(Notice._cron_send_reminders(batch_size=1), 1)
        self.assertEqual(progress, [(1, 1)])

    def test_a_slow_range_narrows_the_next_ones(self):
        """A range longer than a call may work narrows its line's next ranges
        (never below 1,000 ids); quick ranges widen them back."""
        rule = self.env["customer.offboarding.rule"].create(
            {
                "name": "Width",
                "reason_id": self.env.ref("customer_offboarding.reason_other").id,
            }
        )
        run = self.env["customer.offboarding.run"]._start(rule, "manual")
        line = run.line_ids
        default = line._width()
        line._adapt_width(seconds=4.0, target=1.0)
        self.assertEqual(line._width(), default // 4)
        line._adapt_width(seconds=1000.0, target=1.0)
        self.assertEqual(line._width(), 1000)
        for _i in range(10):
            line._adapt_width(seconds=0.01, target=1.0)
        self.assertEqual((line._width(), line.range_width), (default, 0))
