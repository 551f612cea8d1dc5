"""Worker threads that take items from a queue and process them at the same
time, each thread with its own database connection (and so its own
transactions), as a rule run processes its shares of the partners."""

import logging
import os
import threading
from queue import Empty, Queue

from odoo.tools import SQL, config

_logger = logging.getLogger(__name__)

# The attributes Odoo keeps on a request's or a cron's thread (the database,
# the user, the test mode) that a worker inherits from the thread starting it.
THREAD_ATTRIBUTES = ("dbname", "uid", "testing")


def run_workers(registry, items, count, work, tick=None, interval=10, name="worker"):
    """Process ``items`` with ``count`` threads; return the errors they raised.

    ``work(cr, item)`` processes one item with the worker's cursor ``cr`` and
    commits what it wants kept; it returns False to stop that worker (its
    time is up). ``tick()`` is called every ``interval`` seconds in the
    calling thread while workers run (progress reports). A worker that
    raises stops; the others go on, and its error is returned once all have
    stopped.
    """
    queue = Queue()
    for item in items:
        queue.put(item)
    errors = []
    lock = threading.Lock()
    parent = threading.current_thread()

    def worker():
        thread = threading.current_thread()
        for attribute in THREAD_ATTRIBUTES:
            if hasattr(parent, attribute):
                setattr(thread, attribute, getattr(parent, attribute))
        try:
            with registry.cursor() as cr:
                while True:
                    try:
                        item = queue.get_nowait()
                    except Empty:
                        return
                    if not work(cr, item):
                        return
        except Exception as error:  # noqa: BLE001 - reported by the caller
            _logger.exception("%s: a worker failed", name)
            with lock:
                errors.append(error)

    threads = [
        threading.Thread(
            target=worker, name=f"{parent.name}-{name}-{number}", daemon=True
        )
        for number in range(count)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        while thread.is_alive():
            thread.join(interval)
            if tick:
                tick()
    return errors


def worker_count(setting, maximum):
    """Workers to run at once: ``setting`` (0 or invalid: one per processor of
    this server, at most four), at most ``maximum``. Each holds a database
    connection of this process's pool (``db_maxconn``), which also holds the
    scheduler's own two."""
    default = min(4, os.cpu_count() or 1)
    try:
        value = int(setting)
    except (TypeError, ValueError):
        value = default
    value = min(maximum, value) if value > 0 else default
    return max(1, min(value, (config.get("db_maxconn") or 64) - 2))


def split_ids(env, rows, id_bound, count):
    """[(id_from, id_to)]: ``count`` consecutive id intervals covering
    [0, id_bound), cut where each holds about as many of the ``rows`` (SQL:
    a table and condition with an ``id`` column).

    Cutting by id alone gives unequal shares where ids are not evenly used
    (measured: the two halves of the partners by id took 47.8 s instead of
    35.8 s at 1,000,000 partners).
    """
    cuts = env.execute_query(
        SQL(
            """
            SELECT percentile_disc(%s::float[]) WITHIN GROUP (ORDER BY id)
              FROM %s AND id < %s
            """,
            [i / count for i in range(1, count)],
            rows,
            id_bound,
        )
    )[0][0]
    bounds = sorted({0, id_bound, *(cut + 1 for cut in cuts or () if cut)})
    return list(zip(bounds, bounds[1:], strict=False))
