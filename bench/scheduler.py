"""The addon's scheduled actions under Odoo's real scheduler; run through
bench/scheduler.

Seeds a database as bench/run does (bench.py), installs the addons, creates
the benchmark's three rules, makes one customer in ten of the main company a
retired customer past its disposal date, makes the rules, the value-tier and
the data-disposal scheduled actions due now and Odoo's mail queue due every
minute, then starts Odoo's own server (bench/odoo_server.py: odoo-bin, each
scheduler pass timed in its log) with a short ``--limit-time-real-cron``, once
threaded and once with worker processes, each on a fresh copy of the seeded
database. It waits for the rule run, the value tiers and the data disposal to
finish and prints, per server mode: the calls of each scheduled action, the
scheduler passes and the longest one, whether any time-limit line appeared
(threaded: "virtual real time limit"; workers: a cron worker "timeout", i.e.
killed), and the mail queue's runs in between.
"""

import argparse
import os
import re
import signal
import subprocess
import sys
import time
from argparse import Namespace

import psycopg2

import odoo
from odoo import SUPERUSER_ID, api, fields
from odoo.modules.registry import Registry
from odoo.sql_db import close_db, connection_info_for
from odoo.tools import config

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import Bench  # noqa: E402

CRONS = {
    "customer_offboarding.ir_cron_evaluate_rules": "rules",
    "customer_offboarding.ir_cron_compute_tiers": "tiers",
    "customer_offboarding.ir_cron_dispose_data": "disposal",
    "mail.ir_cron_mail_scheduler_action": "mail queue",
}
# One customer in DISPOSAL_SHARE is retired past its disposal date.
DISPOSAL_SHARE = 10
LINE = re.compile(r"^(\S+ \S+) \d+ (\w+) (\S+) (\S+): (.*)$")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--partners", type=int, default=300_000)
    parser.add_argument("--limit", type=int, default=20)
    # A cron worker's watchdog counts its sleep (60 to 69 s) before a pass:
    # below about 70 s, Odoo kills an idle cron worker whatever it runs.
    parser.add_argument("--limit-workers", type=int, default=90)
    parser.add_argument("--modes", default="threaded,workers")
    parser.add_argument("--timeout", type=int, default=1800)
    parser.add_argument("--workdir", required=True)
    return parser.parse_args()


def admin_connection():
    dsn = dict(connection_info_for("postgres")[1])
    connection = psycopg2.connect(**dsn)
    connection.autocommit = True
    return connection


def copy_database(template, name):
    close_db(template)
    connection = admin_connection()
    with connection.cursor() as cr:
        cr.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cr.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    connection.close()


def prepare(database, partners):
    """Seed, install, create the rules and make the crons due."""
    bench = Bench(
        Namespace(
            config=config.rcfile,
            database=database,
            partners=partners,
            sample=0,
            workers=None,
            profile=False,
            dispose=0,
        )
    )
    bench.seed()
    bench.install()
    with Registry(database).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        bench.create_rules(env)
        retire_past_disposal(env)
        now = fields.Datetime.now()
        for xmlid in CRONS:
            env.ref(xmlid).write({"nextcall": now, "active": True})
        env.ref("mail.ir_cron_mail_scheduler_action").write(
            {"interval_number": 1, "interval_type": "minutes"}
        )
        # Nothing else of the database's crons competes with them.
        others = env["ir.cron"].search(
            [("id", "not in", [env.ref(x).id for x in CRONS])]
        )
        others.write({"active": False})
    close_db(database)
    Registry.delete(database)


def retire_past_disposal(env):
    """One customer in DISPOSAL_SHARE: a customer of the main company, retired
    long ago (its case past the disposal date), for the disposal cron."""
    company = env.company
    env.cr.execute(
        """
        WITH picked AS (
            UPDATE res_partner SET company_id = %(company)s,
                   offboarding_state = jsonb_build_object(%(key)s, 'retired')
             WHERE name LIKE 'Bench customer %%' AND id = commercial_partner_id
               AND id %% %(share)s = 0
         RETURNING id)
        INSERT INTO customer_offboarding_case
               (partner_id, company_id, state, reason_id, revision, flag_date,
                notice_date, end_date, retired_date)
        SELECT id, %(company)s, 'retired', %(reason)s, 0, now(),
               '2000-01-01', '2000-01-01', '2000-01-01'
          FROM picked
        """,
        {
            "company": company.id,
            "key": str(company.id),
            "share": DISPOSAL_SHARE,
            "reason": env.ref("customer_offboarding.reason_inactivity").id,
        },
    )
    env.cr.execute(
        """
        UPDATE res_partner c SET company_id = p.company_id,
               offboarding_state = p.offboarding_state
          FROM res_partner p
         WHERE c.commercial_partner_id = p.id AND c.id != p.id
           AND p.offboarding_state IS NOT NULL
        """
    )


def finished(database, started_at):
    with Registry(database).cursor() as cr:
        cr.execute(
            "SELECT COUNT(*) FILTER (WHERE state != 'done'), COUNT(*)"
            " FROM customer_offboarding_run"
        )
        pending, runs = cr.fetchone()
        cr.execute(
            "SELECT COUNT(*) FROM res_company "
            "WHERE offboarding_tier_date IS NULL OR offboarding_tier_date < %s",
            [started_at.date()],
        )
        tiers_left = cr.fetchone()[0]
        cr.execute(
            "SELECT COUNT(*) FROM customer_offboarding_case WHERE state = 'retired'"
        )
        disposal_left = cr.fetchone()[0]
    return runs > 0 and not pending and not tiers_left and not disposal_left


def serve(database, mode, limit, workdir, timeout):
    log = os.path.join(workdir, f"odoo-{mode}.log")
    command = [
        sys.executable,
        os.path.join(os.path.dirname(os.path.abspath(__file__)), "odoo_server.py"),
        "-c",
        config.rcfile,
        "-d",
        database,
        "--db-filter",
        f"^{database}$",
        "--no-http",
        "--max-cron-threads",
        "1",
        "--limit-time-real-cron",
        str(limit),
        "--workers",
        "0" if mode == "threaded" else "2",
        "--log-level",
        "info",
        "--logfile",
        log,
    ]
    started_at = fields.Datetime.now()
    t0 = time.monotonic()
    server = subprocess.Popen(command, start_new_session=True)
    done = False
    try:
        while time.monotonic() - t0 < timeout and server.poll() is None:
            time.sleep(5)
            try:
                done = finished(database, started_at)
            except psycopg2.Error:
                continue
            if done:
                break
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(60)
        close_db(database)
        Registry.delete(database)
    return done, time.monotonic() - t0, log


def read_log(path):
    with open(path, encoding="utf-8", errors="replace") as log:
        for line in log:
            match = LINE.match(line.rstrip("\n"))
            if match:
                yield match.groups()


def summarize(path):
    names = {
        "Customer Offboarding: evaluate rules": "rules",
        "Customer Offboarding: compute value tiers": "tiers",
        "Customer Offboarding: data disposal": "disposal",
        "Mail: Email Queue Manager": "mail queue",
    }
    calls = {label: 0 for label in names.values()}
    ends = {label: [] for label in names.values()}
    passes = []
    limit_lines = []
    for stamp, level, _db, logger, message in read_log(path):
        if logger == "bench.scheduler":
            seconds = float(message.rsplit(": ", 1)[1].split()[0])
            if seconds >= 0.05:
                passes.append(seconds)
            continue
        if "virtual real time limit" in message or re.search(
            r"WorkerCron \(\d+\) timeout", message
        ):
            limit_lines.append(f"{stamp} {level} {message}")
        job = re.match(r"Job '(.+)' \(\d+\) done in", message)
        if job and job.group(1) in names:
            label = names[job.group(1)]
            calls[label] += 1
            ends[label].append(stamp)
    return calls, ends, passes, limit_lines


def mail_runs_between(ends):
    """Runs of the mail queue between the first and last call of our jobs."""
    ours = sorted(ends["rules"] + ends["tiers"] + ends["disposal"])
    if not ours:
        return 0
    return sum(1 for stamp in ends["mail queue"] if ours[0] < stamp < ours[-1])


def main():
    args = parse_args()
    config.parse_config(["-c", args.config])
    template = args.database
    prepare(template, args.partners)
    print()
    print(
        f"customer_offboarding under Odoo's scheduler — {args.partners:,} partners, "
        f"Odoo {odoo.release.version}, --limit-time-real-cron={args.limit} "
        f"(threaded) and {args.limit_workers} (workers), "
        f"{time.strftime('%Y-%m-%d')}"
    )
    print()
    print(
        "| server | limit (s) | finished | wall time (s) "
        "| calls: rules / tiers / disposal / mail queue | scheduler passes "
        "| longest pass (s) | time-limit lines "
        "| mail queue runs in between |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    ok = True
    for mode in args.modes.split(","):
        database = f"{template}_{mode}"
        copy_database(template, database)
        limit = args.limit if mode == "threaded" else args.limit_workers
        done, seconds, log = serve(database, mode, limit, args.workdir, args.timeout)
        calls, ends, passes, limit_lines = summarize(log)
        print(
            f"| {mode} | {limit} | {'yes' if done else 'NO'} | {seconds:.0f} | "
            f"{calls['rules']} / {calls['tiers']} / {calls['disposal']} / "
            f"{calls['mail queue']} | "
            f"{len(passes)} | {max(passes, default=0):.1f} | {len(limit_lines)} | "
            f"{mail_runs_between(ends)} |"
        )
        for line in limit_lines:
            print(f"    {line}")
        ok = ok and done and not limit_lines
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
