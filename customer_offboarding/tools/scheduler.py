"""How long one call of the addon's batch scheduled actions may work, and
when it may commit: the budget Odoo 18's scheduler leaves them.

Odoo's scheduler calls a job again, up to MAX_BATCH_PER_CRON_JOB (10) times
in the same pass, while it reports remaining work, and the whole pass (every
job ready in the database, the mail queue too) runs under one time limit: a
cron worker past it is killed, the threaded server restarts.
"""

import threading
import time

from odoo.service.server import SLEEP_INTERVAL
from odoo.tools import SQL, config

from odoo.addons.base.models.ir_cron import MAX_BATCH_PER_CRON_JOB

# The addon's scheduled actions that work in batches (rules, tiers, reminders,
# data disposal).
CRON_COUNT = 4


def pass_limit():
    """Seconds Odoo lets one pass of the scheduler take (0: no limit).

    With worker processes, a cron worker's watchdog also counts the sleep
    before the pass (Odoo's SLEEP_INTERVAL, 60 s, plus up to 9 s): what is
    left of the limit is the pass's.
    """
    limit = config.get("limit_time_real_cron")
    if limit is None or limit < 0:
        limit = config.get("limit_time_real") or 0
    if limit and config.get("workers"):
        limit = max(1, limit - SLEEP_INTERVAL - 10)
    return max(0, limit)


def time_budget():
    """Seconds one call of a batch scheduled action of the addon may work:
    all of them (CRON_COUNT), each called ten times, take half a pass."""
    limit = pass_limit()
    if not limit:
        return 60.0
    return max(0.1, limit / (2 * MAX_BATCH_PER_CRON_JOB * CRON_COUNT))


def deadline(env, cron_xmlid):
    """The monotonic time this call stops at, or None when the scheduler's
    pass has already spent its half of the limit (threaded server: the pass
    start is known). The cron is then triggered for the next pass instead of
    working now."""
    budget = time_budget()
    limit = pass_limit()
    pass_start = getattr(threading.current_thread(), "start_time", None)
    if limit and pass_start:
        left = limit / 2 - (time.time() - pass_start)
        if left <= 0:
            env.ref(cron_xmlid).sudo()._trigger()
            return None
        budget = min(budget, left)
    return time.monotonic() + budget


def past(stop_at, last_batch):
    """Whether the next batch, as long as the last one, would end after
    ``stop_at`` (monotonic; None: no deadline)."""
    return bool(stop_at) and time.monotonic() + last_batch > stop_at


def can_commit(env):
    """Whether batches may be committed: not in tests, nor while a module is
    installed (demo data runs rules in the install's transaction)."""
    if getattr(threading.current_thread(), "testing", False):
        return False
    return env.registry.ready


def id_bound(env):
    """One more than the highest partner id: the end of a scan of partners."""
    rows = env.execute_query(SQL("SELECT COALESCE(MAX(id), 0) + 1 FROM res_partner"))
    return rows[0][0]
