"""Odoo's own server (``odoo-bin``), with each pass of its scheduler timed.

The scheduler's pass over a database (``ir.cron._process_jobs``: every job
ready, one after the other) is what ``limit_time_real_cron`` limits; this
wrapper logs how long each pass took, then runs Odoo's command line as
``odoo-bin`` does. Used by bench/scheduler.
"""

import os

os.environ["TZ"] = "UTC"  # as odoo-bin does, before time is imported

import logging  # noqa: E402
import time  # noqa: E402

import odoo  # noqa: E402

from odoo.addons.base.models import ir_cron  # noqa: E402

_logger = logging.getLogger("bench.scheduler")
_process_jobs = ir_cron.ir_cron._process_jobs.__func__


def _timed_process_jobs(cls, db_name):
    started = time.time()
    try:
        return _process_jobs(cls, db_name)
    finally:
        _logger.info("scheduler pass on %s: %.3f s", db_name, time.time() - started)


ir_cron.ir_cron._process_jobs = classmethod(_timed_process_jobs)

if __name__ == "__main__":
    odoo.cli.main()
