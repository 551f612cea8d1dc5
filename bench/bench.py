"""Benchmark of the offboarding rules engine; run through bench/run.

Seeds partners, invoices, sales orders and messages with SQL generate_series
(fixed seed), installs the addons on the seeded database (timed), then runs the
same three rules (inactivity 180 days, low value, declining purchases) four
ways in one process and prints what each cost:

(a) the engine: the daily scheduled action, run to completion;
(b) a naive per-partner ORM loop (on a sample, extrapolated);
(c) an Odoo base_automation time-based rule whose Python action checks each
    record (on a sample, extrapolated);
(d) the SQL floor: the same detection written by hand, one UPDATE per rule.

(b), (c) and (d) run first, each rolled back, so that all four start from the
same data. Then the data-disposal step: --dispose of the customers the engine
flagged are made retired customers past their disposal date (untimed), and

(e) the data-disposal scheduled action, called until nothing is due, is timed
    against
(f) the same erasure written by hand: the same UPDATEs of the same columns and
    message bodies, the cases closed with one event each, in one transaction
    (rolled back).

Nothing here is a test: it prints measurements.
"""

import argparse
import cProfile
import pstats
import resource
import subprocess
import sys
import time
from datetime import timedelta

import psycopg2

import odoo
from odoo import SUPERUSER_ID, api, fields
from odoo.modules.registry import Registry
from odoo.sql_db import connection_info_for
from odoo.tools import SQL, config

ADDONS = "customer_offboarding,customer_offboarding_account,customer_offboarding_sale"
COMPANY_SHARE = (0.8, 0.1, 0.1)  # documents per company
INVOICES = ORDERS = 5  # per customer
MESSAGES = 15  # per customer
CHILD_SHARE = 0.3  # of partners are contacts of a company
LOW_VALUE = 500.0
SEED = 0.42


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--partners", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=2000)
    parser.add_argument(
        "--profile",
        action="store_true",
        help="print a cProfile of the engine run (one worker: cProfile sees one "
        "thread) and its slowest statements",
    )
    parser.add_argument(
        "--dispose",
        type=int,
        default=100_000,
        help="customers the data-disposal step anonymizes (taken from those the "
        "engine flagged; default 100000)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="workers of the engine's run (default 0: the addon's own choice, "
        "one per processor, at most four)",
    )
    return parser.parse_args()


def _proc_status_mb(key):
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


PEAKS = []  # the peaks that reset_peak_rss() ended


def reset_peak_rss():
    """Start a new peak of the process's resident memory (Linux: writing 5 to
    clear_refs resets VmHWM, and with it getrusage's ru_maxrss), so that each
    approach reports its own peak and not the highest of the steps before it.
    Returns the current RSS in MB."""
    PEAKS.append(rss_mb())
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        pass  # not Linux: rss_mb() is then the peak of the whole process
    return _proc_status_mb("VmRSS")


def rss_mb():
    """Peak resident memory of this process (in every thread) since the last
    reset_peak_rss(), in MB."""
    peak = _proc_status_mb("VmHWM")
    if peak is None:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return peak


class Bench:
    def __init__(self, args):
        self.args = args
        config.parse_config(["-c", args.config, "-d", args.database])
        self.rows = []

    # -- helpers ------------------------------------------------------------

    def env(self, cr):
        return api.Environment(cr, SUPERUSER_ID, {})

    def registry(self):
        return Registry(self.args.database)

    def log(self, text):
        print(f"bench: {text}", flush=True)

    def settle(self):
        """Start each measured approach from the same quiet database.

        bench/run turns autovacuum off, so that no background vacuum of the
        previous step's writes (the seed, a rolled-back baseline) competes for
        the two cores during a measurement; the vacuum is done here instead,
        untimed, with a checkpoint so that no flush of dirty pages falls inside
        the next measurement either.
        """
        dsn = connection_info_for(self.args.database)[1]
        connection = psycopg2.connect(**dsn)
        try:
            connection.autocommit = True
            with connection.cursor() as cr:
                cr.execute("VACUUM ANALYZE")
                try:
                    cr.execute("CHECKPOINT")
                except psycopg2.errors.InsufficientPrivilege:
                    pass  # a server not started by bench/run
        finally:
            connection.close()

    # -- seeding --------------------------------------------------------------

    def seed(self):
        n = self.args.partners
        commercial = int(n * (1 - CHILD_SHARE))
        t0 = time.monotonic()
        with self.registry().cursor() as cr:
            env = self.env(cr)
            companies = env.company | env["res.company"].create(
                [{"name": "Bench Company B"}, {"name": "Bench Company C"}]
            )
            journal = env["account.journal"].search(
                [("type", "=", "sale"), ("company_id", "=", env.company.id)], limit=1
            )
            env.flush_all()
            self._seed_sql(cr, commercial, n - commercial, companies.ids, journal)
        self.seed_seconds = time.monotonic() - t0
        self.log(
            f"seeded {n:,} partners ({commercial:,} customers) with "
            f"{commercial * INVOICES:,} invoices, {commercial * ORDERS:,} orders and "
            f"{commercial * MESSAGES:,} messages in {self.seed_seconds:.0f} s"
        )

    def _seed_sql(self, cr, commercial, children, company_ids, journal):
        cid = company_ids
        cr.execute(SQL("SELECT setseed(%s)", SEED))
        cr.execute(
            SQL(
                """
                INSERT INTO res_partner
                       (name, complete_name, is_company, active, type, autopost_bills,
                        customer_rank, email, email_normalized, create_date, write_date)
                SELECT 'Bench customer ' || g, 'Bench customer ' || g,
                       mod(g, 2) = 0, TRUE, 'contact', 'ask', 1,
                       'c' || g || '@bench.example.com',
                       'c' || g || '@bench.example.com',
                       now() - interval '1500 days', now()
                  FROM generate_series(1, %s) g
                """,
                commercial,
            )
        )
        cr.execute(
            """
            UPDATE res_partner SET commercial_partner_id = id
             WHERE name LIKE 'Bench customer %' AND commercial_partner_id IS NULL
            """
        )
        cr.execute(
            SQL(
                """
                INSERT INTO res_partner
                       (name, complete_name, is_company, active, type, autopost_bills,
                        parent_id, commercial_partner_id, create_date, write_date)
                SELECT 'Bench contact ' || c.id, 'Bench contact ' || c.id, FALSE, TRUE,
                       'contact', 'ask', c.id, c.id, now() - interval '1500 days', now()
                  FROM res_partner c
                 WHERE c.name LIKE %s
                 ORDER BY random()
                 LIMIT %s
                """,
                "Bench customer %",
                children,
            )
        )
        # Each customer was last active between today and 3 years ago; its
        # documents and messages spread over the year before that.
        cr.execute(
            """
            CREATE TEMP TABLE bench_customer AS
            SELECT id, (random() * 1095)::int AS idle_days
              FROM res_partner WHERE name LIKE 'Bench customer %'
            """
        )
        company_case = SQL(
            "CASE WHEN r < %s THEN %s WHEN r < %s THEN %s ELSE %s END",
            COMPANY_SHARE[0],
            cid[0],
            COMPANY_SHARE[0] + COMPANY_SHARE[1],
            cid[1],
            cid[2],
        )
        cr.execute(
            SQL(
                """
                INSERT INTO account_move
                       (journal_id, currency_id, state, move_type, auto_post, name,
                        date, invoice_date, company_id, partner_id,
                        commercial_partner_id, amount_untaxed_signed, payment_state,
                        create_date, write_date)
                SELECT %(journal)s, %(currency)s, 'posted', 'out_invoice', 'no', '/',
                       d, d, %(company)s, c.id, c.id,
                       round((50 + random() * 950)::numeric, 2),
                       CASE WHEN random() < 0.05 THEN 'not_paid' ELSE 'paid' END,
                       now(), now()
                  FROM bench_customer c, generate_series(1, %(count)s) k,
                       LATERAL (SELECT current_date
                                       - (c.idle_days + (random() * 365)::int) AS d,
                                       random() + k * 0 AS r) x
                """,
                journal=journal.id,
                currency=journal.company_id.currency_id.id,
                company=company_case,
                count=INVOICES,
            )
        )
        cr.execute(
            SQL(
                """
                INSERT INTO sale_order
                       (company_id, partner_id, partner_invoice_id, partner_shipping_id,
                        name, date_order, state, create_date, write_date)
                SELECT %(company)s, c.id, c.id, c.id, 'BS' || c.id || '-' || k,
                       now() - (c.idle_days + random() * 365) * interval '1 day',
                       'sale', now(), now()
                  FROM bench_customer c, generate_series(1, %(count)s) k,
                       LATERAL (SELECT random() + k * 0 AS r) x
                """,
                company=company_case,
                count=ORDERS,
            )
        )
        cr.execute(
            SQL(
                """
                INSERT INTO mail_message
                       (model, res_id, message_type, author_id, date, body,
                        create_date, write_date)
                SELECT 'res.partner', c.id, 'email', c.id,
                       now() - (c.idle_days + random() * 365) * interval '1 day',
                       '<p>Hello</p>', now(), now()
                  FROM bench_customer c, generate_series(1, %s) k
                """,
                MESSAGES,
            )
        )
        cr.execute("ANALYZE")

    # -- install --------------------------------------------------------------

    def install(self):
        t0 = time.monotonic()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "odoo",
                "-c",
                self.args.config,
                "-d",
                self.args.database,
                "-i",
                ADDONS,
                "--without-demo=all",
                "--stop-after-init",
                "--log-level=warn",
            ],
            check=True,
        )
        self.install_seconds = time.monotonic() - t0
        Registry.new(self.args.database)  # this process must see the new models
        self.log(
            f"installed {ADDONS} on the seeded database in {self.install_seconds:.0f} s"
        )

    # -- the rule set ---------------------------------------------------------

    def create_rules(self, env):
        reason = env.ref("customer_offboarding.reason_inactivity")
        common = {
            "reason_id": reason.id,
            "scope_domain": "[('name', 'like', 'Bench customer')]",
            "action": "flag",
        }
        return env["customer.offboarding.rule"].create(
            [
                {
                    **common,
                    "name": "Inactive 180 days",
                    "criterion": "inactivity",
                    "days": 180,
                    "source_message": True,
                    "source_activity": False,
                    "source_invoice": True,
                    "source_sale": True,
                },
                {
                    **common,
                    "name": "Low value",
                    "criterion": "low_value",
                    "days": 365,
                    "threshold_amount": LOW_VALUE,
                    "reason_id": env.ref("customer_offboarding.reason_low_value").id,
                },
                {
                    **common,
                    "name": "Declining purchases",
                    "criterion": "declining_purchases",
                    "days": 182,
                    "threshold_percent": 50,
                    "reason_id": env.ref(
                        "customer_offboarding.reason_declining_purchases"
                    ).id,
                },
            ]
        )

    # -- (d) SQL floor ----------------------------------------------------------

    def floor(self):
        with self.registry().cursor() as cr:
            env = self.env(cr)
            company = env.company.id
            today = fields.Date.today()
            now = fields.Datetime.now()
            key = str(company)
            scope = SQL(
                """
                p.name LIKE %s AND p.id = p.commercial_partner_id
                AND p.customer_rank > 0
                AND COALESCE(p.offboarding_state->>%s, 'active') = 'active'
                """,
                "Bench customer %",
                key,
            )
            inv = SQL(
                """
                FROM account_move m WHERE m.commercial_partner_id = p.id
                 AND m.state = 'posted' AND m.company_id = %s
                 AND m.move_type IN ('out_invoice', 'out_refund')
                """,
                company,
            )
            cutoff = now - timedelta(days=180)
            criteria = [
                SQL(
                    """
                    p.create_date < %(cutoff)s
                    AND NOT EXISTS (SELECT 1 FROM res_partner a
                        JOIN mail_message mm ON mm.author_id = a.id
                        WHERE a.commercial_partner_id = p.id
                          AND mm.message_type IN ('email', 'comment')
                          AND mm.date >= %(cutoff)s)
                    AND NOT EXISTS (SELECT 1 %(inv)s AND m.move_type = 'out_invoice'
                                    AND m.invoice_date >= %(cutoff_date)s)
                    AND NOT EXISTS (SELECT 1 FROM res_partner b
                        JOIN sale_order so ON so.partner_id = b.id
                        WHERE b.commercial_partner_id = p.id AND so.state = 'sale'
                          AND so.company_id = %(company)s
                          AND so.date_order >= %(cutoff)s)
                    """,
                    cutoff=cutoff,
                    cutoff_date=cutoff.date(),
                    inv=inv,
                    company=company,
                ),
                SQL(
                    """
                    (SELECT COALESCE(SUM(m.amount_untaxed_signed), 0) %s
                        AND m.invoice_date >= %s) < %s
                    """,
                    inv,
                    today - timedelta(days=365),
                    LOW_VALUE,
                ),
                SQL(
                    """
                    EXISTS (SELECT 1 FROM (SELECT
                        SUM(m.amount_untaxed_signed)
                            FILTER (WHERE m.invoice_date >= %(mid)s) AS cur,
                        SUM(m.amount_untaxed_signed)
                            FILTER (WHERE m.invoice_date < %(mid)s) AS prev
                        %(inv)s AND m.invoice_date >= %(start)s) t
                      WHERE t.prev > 0 AND COALESCE(t.cur, 0) <= t.prev * 0.5)
                    """,
                    mid=today - timedelta(days=182),
                    start=today - timedelta(days=364),
                    inv=inv,
                ),
            ]
            t0 = time.monotonic()
            moved = 0
            for criterion in criteria:
                cr.execute(
                    SQL(
                        """
                        UPDATE res_partner p
                           SET offboarding_state = COALESCE(p.offboarding_state, '{}')
                               || jsonb_build_object(%s, 'at_risk')
                         WHERE %s AND %s
                        """,
                        key,
                        scope,
                        criterion,
                    )
                )
                moved += cr.rowcount
            seconds = time.monotonic() - t0
            cr.rollback()
        self.floor_moved = moved
        self.rows.append(("(d) SQL floor", seconds, moved, None, None, None, ""))
        self.log(f"(d) floor: {moved:,} partners in {seconds:.1f} s")

    # -- (b) naive per-partner loop -------------------------------------------

    def _sample(self, env):
        return env["res.partner"].search(
            [("name", "like", "Bench customer"), ("customer_rank", ">", 0)],
            limit=self.args.sample,
            order="id",
        )

    def _sampled(self, name, prepare, work):
        """Time ``work(env, sample)`` on the sample, rolled back; extrapolate."""
        with self.registry().cursor() as cr:
            env = self.env(cr)
            sample = self._sample(env)
            customers = env["res.partner"].search_count(
                [("name", "like", "Bench customer")]
            )
            prepare(env, sample)
            env.flush_all()
            queries = cr.sql_log_count
            t0 = time.monotonic()
            work(env, sample)
            env.flush_all()
            seconds = time.monotonic() - t0
            queries = cr.sql_log_count - queries
            cr.rollback()
        scale = customers / len(sample)
        self.rows.append(
            (
                name,
                seconds * scale,
                None,
                None,
                queries * scale,
                None,
                f"extrapolated from {len(sample):,} partners ({seconds:.1f} s)",
            )
        )
        self.log(
            f"{name}: {seconds:.1f} s for {len(sample):,}, ≈ {seconds * scale:,.0f} s"
        )

    def naive(self):
        def work(env, sample):
            for partner in sample:
                naive_check(env, partner)

        self._sampled("(b) per-partner ORM loop", lambda env, sample: None, work)

    # -- (c) base_automation --------------------------------------------------

    def automation(self):
        def prepare(env, sample):
            model = env["ir.model"]._get("res.partner")
            rule = env["base.automation"].create(
                {
                    "name": "Bench: offboard idle customers",
                    "model_id": model.id,
                    "trigger": "on_time",
                    "trg_date_id": env["ir.model.fields"]
                    ._get("res.partner", "create_date")
                    .id,
                    "trg_date_range": 180,
                    "trg_date_range_type": "day",
                    "filter_domain": repr([("id", "in", sample.ids)]),
                }
            )
            env["ir.actions.server"].create(
                {
                    "name": "Bench: check and flag",
                    "model_id": model.id,
                    "base_automation_id": rule.id,
                    "usage": "base_automation",
                    "state": "code",
                    "code": AUTOMATION_CODE,
                }
            )

        self._sampled(
            "(c) base_automation time rule",
            prepare,
            lambda env, sample: env["base.automation"]._check(automatic=False),
        )

    # -- (a) the engine -------------------------------------------------------

    def engine(self):
        registry = self.registry()
        with registry.cursor() as cr:
            env = self.env(cr)
            rules = self.create_rules(env)
            cr.commit()
            self.previews = []
            for rule in rules:
                t0 = time.monotonic()
                preview = env["customer.offboarding.preview"].create(
                    {"rule_id": rule.id}
                )
                preview._count_matches()
                self.previews.append(
                    (rule.name, time.monotonic() - t0, preview.actionable_count)
                )
            cr.rollback()
            workers = 1 if self.args.profile else self.args.workers
            env["ir.config_parameter"].set_param(
                "customer_offboarding.run_workers", workers or False
            )
            cr.commit()
            transactions, restore = time_transactions()
            queries = odoo.sql_db.sql_counter
            start_rss = reset_peak_rss()
            t0 = time.monotonic()
            calls = 0
            profiler = cProfile.Profile() if self.args.profile else None
            if profiler:
                profiler.enable()
                time_queries(cr)
            while True:
                calls += 1
                env["customer.offboarding.rule"]._cron_evaluate()
                run = env["customer.offboarding.run"].search([], limit=1)
                if run.state == "done":
                    break
            seconds = time.monotonic() - t0
            peak_rss = rss_mb()
            if profiler:
                profiler.disable()
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
                for seconds_q, count, query in sorted(
                    ((v[0], v[1], k) for k, v in QUERY_TIMES.items()), reverse=True
                )[:12]:
                    print(f"{seconds_q:8.2f} s {count:5d}x  {query}")
            queries = odoo.sql_db.sql_counter - queries
            restore()
            moved = run.moved_count
            shares = len({line.id_from for line in run.line_ids})
            lines = ", ".join(
                f"{rule.name}: {sum(ls.mapped('matched')):,} matched, "
                f"{sum(ls.mapped('exempted')):,} exempted, "
                f"{sum(ls.mapped('moved')):,} moved"
                for rule, ls in run.line_ids.grouped("rule_id").items()
            )
        self.engine_moved = moved
        self.rows.insert(
            0,
            (
                "(a) this engine (cron)",
                seconds,
                moved,
                peak_rss,
                queries,
                max(transactions) if transactions else seconds,
                f"{calls} cron call(s), {shares} worker(s); RSS at the start "
                f"{start_rss:,.0f} MB; {lines}",
            ),
        )
        self.log(f"(a) engine: {moved:,} moved in {seconds:.1f} s")

    def tiers(self):
        """Time the value-tier scheduled action over every company (issue #4)."""
        registry = self.registry()
        with registry.cursor() as cr:
            env = self.env(cr)
            commit = cr.commit
            transactions = time_commits(cr)
            companies = env["res.company"].search([])
            today = fields.Date.context_today(env.user)
            start_rss = reset_peak_rss()
            t0 = time.monotonic()
            calls = 0
            while True:
                calls += 1
                env["customer.offboarding.tier"]._cron_compute()
                companies.invalidate_recordset(["offboarding_tier_date"])
                if all(c.offboarding_tier_date == today for c in companies):
                    break
            seconds = time.monotonic() - t0
            peak_rss = rss_mb()
            cr.commit = commit
            cr.execute(
                """
                SELECT t.key, t.value, COUNT(*)
                  FROM res_partner p, jsonb_each_text(p.offboarding_tier) t
                 GROUP BY 1, 2 ORDER BY 1, 2
                """
            )
            counts = cr.fetchall()
        summary = ", ".join(f"company {c} {tier}: {n:,}" for c, tier, n in counts)
        self.tier_line = (
            f"value tiers (scheduled action, all companies): {seconds:.1f} s in "
            f"{calls} call(s), longest transaction "
            f"{max(transactions) if transactions else seconds:.1f} s, peak RSS "
            f"{peak_rss:,.0f} MB (at the start {start_rss:,.0f} MB); {summary}"
        )
        self.log(self.tier_line)

    # -- data disposal (issue #15) --------------------------------------------

    def disposal_prepare(self):
        """Untimed: --dispose of the customers the engine flagged become
        customers of the main company retired long ago (past their disposal
        date), with their contacts and seeded messages."""
        with self.registry().cursor() as cr:
            env = self.env(cr)
            company = env.company
            cr.execute(
                SQL(
                    """
                    WITH picked AS (
                        SELECT id FROM customer_offboarding_case
                         WHERE company_id = %(company)s AND state = 'at_risk'
                         ORDER BY partner_id LIMIT %(n)s)
                    UPDATE customer_offboarding_case c
                       SET state = 'retired', notice_date = '2000-01-01',
                           end_date = '2000-01-01', retired_date = '2000-01-01'
                      FROM picked WHERE c.id = picked.id
                 RETURNING c.partner_id
                    """,
                    company=company.id,
                    n=self.args.dispose,
                )
            )
            self.disposal_ids = sorted(row[0] for row in cr.fetchall())
            cr.execute(
                SQL(
                    """
                    UPDATE res_partner
                       SET company_id = %(company)s,
                           offboarding_state = offboarding_state
                               || jsonb_build_object(%(key)s, 'retired')
                     WHERE commercial_partner_id = ANY(%(ids)s)
                    """,
                    company=company.id,
                    key=str(company.id),
                    ids=self.disposal_ids,
                )
            )
            self.disposal_family = cr.rowcount
            cr.execute(
                SQL(
                    """
                    SELECT count(*) FROM mail_message m
                      JOIN res_partner p ON p.id = m.author_id
                     WHERE p.commercial_partner_id = ANY(%s)
                    """,
                    self.disposal_ids,
                )
            )
            self.disposal_messages = cr.fetchone()[0]
        self.disposal_rows = []
        self.log(
            f"disposal: {len(self.disposal_ids):,} customers retired past their "
            f"date ({self.disposal_family:,} partners, "
            f"{self.disposal_messages:,} messages)"
        )

    def disposal_floor(self):
        """(f) The same erasure written by hand: the same UPDATEs of the same
        columns and message bodies, the cases closed and one event each, in
        one transaction (rolled back)."""
        from odoo.addons.customer_offboarding.models import (
            customer_offboarding_disposal as disposal,
        )

        with self.registry().cursor() as cr:
            env = self.env(cr)
            Disposal = env["customer.offboarding.disposal"]
            company = env.company
            ids = self.disposal_ids
            cleared = [
                name
                for name in disposal.PARTNER_CLEARED + disposal.PARTNER_TAX_IDS
                if Disposal._has_column("res.partner", name)
            ]
            message_cleared = [
                name
                for name in ("subject", "email_from", "reply_to", "record_name")
                if Disposal._has_column("mail.message", name)
            ]
            start_rss = reset_peak_rss()
            t0 = time.monotonic()
            statements = [
                SQL(
                    """
                    CREATE TEMP TABLE floor_family AS
                    SELECT id FROM res_partner WHERE commercial_partner_id = ANY(%s)
                    """,
                    ids,
                ),
                SQL(
                    """
                    CREATE TEMP TABLE floor_message AS
                    SELECT id FROM mail_message
                     WHERE model = 'res.partner'
                       AND res_id IN (SELECT id FROM floor_family)
                     UNION
                    SELECT id FROM mail_message
                     WHERE author_id IN (SELECT id FROM floor_family)
                    """
                ),
                SQL(
                    """
                    UPDATE mail_message SET body = '', %s
                     WHERE id IN (SELECT id FROM floor_message)
                    """,
                    SQL(", ").join(
                        SQL("%s = NULL", SQL.identifier(n)) for n in message_cleared
                    ),
                ),
                SQL(
                    """
                    DELETE FROM mail_tracking_value
                     WHERE mail_message_id IN (SELECT id FROM floor_message)
                    """
                ),
                SQL(
                    """
                    DELETE FROM res_partner_res_partner_category_rel
                     WHERE partner_id IN (SELECT id FROM floor_family)
                    """
                ),
                SQL(
                    """
                    UPDATE res_partner
                       SET name = 'Anonymized #' || id,
                           complete_name = 'Anonymized #' || id,
                           active = FALSE, %(cleared)s,
                           offboarding_state = offboarding_state
                               || jsonb_build_object(%(key)s, 'anonymized')
                     WHERE id IN (SELECT id FROM floor_family)
                    """,
                    cleared=SQL(", ").join(
                        SQL("%s = NULL", SQL.identifier(n)) for n in cleared
                    ),
                    key=str(company.id),
                ),
                SQL(
                    """
                    WITH closed AS (
                        UPDATE customer_offboarding_case
                           SET state = 'anonymized', anonymized_date = %(today)s
                         WHERE partner_id = ANY(%(ids)s) AND company_id = %(company)s
                           AND state = 'retired'
                     RETURNING id, reason_id, revision)
                    INSERT INTO customer_offboarding_event
                           (case_id, from_state, to_state, reason_id, user_id, date,
                            origin, revision)
                    SELECT id, 'retired', 'anonymized', reason_id, %(uid)s, now(),
                           'disposal', revision
                      FROM closed
                    """,
                    today=fields.Date.today(),
                    ids=ids,
                    company=company.id,
                    uid=env.uid,
                ),
            ]
            for statement in statements:
                cr.execute(statement)
            seconds = time.monotonic() - t0
            peak_rss = rss_mb()
            cr.rollback()
        self.disposal_rows.append(
            (
                "(f) SQL floor (one transaction, rolled back)",
                seconds,
                len(ids),
                peak_rss,
                len(statements),
                seconds,
                f"RSS at the start {start_rss:,.0f} MB",
            )
        )
        self.log(f"(f) disposal floor: {seconds:.1f} s")

    def disposal(self):
        """(e) The data-disposal scheduled action, called until nothing is due."""
        registry = self.registry()
        with registry.cursor() as cr:
            env = self.env(cr)
            transactions, restore = time_transactions()
            queries = odoo.sql_db.sql_counter
            start_rss = reset_peak_rss()
            t0 = time.monotonic()
            calls = 0
            # Called as Odoo's scheduler calls it: again while it reports
            # remaining work (a pass over every company ends with none).
            reports = []
            Cron = type(env["ir.cron"])
            notify = Cron._notify_progress
            Cron._notify_progress = lambda cron, done, remaining, deactivate=False: (
                reports.append(remaining)
            )
            QUERY_TIMES.clear()
            time_queries(cr)
            try:
                while True:
                    calls += 1
                    env["customer.offboarding.case"]._cron_dispose()
                    if not reports or reports[-1] == 0 or calls > 100_000:
                        break
            finally:
                Cron._notify_progress = notify
            seconds = time.monotonic() - t0
            peak_rss = rss_mb()
            queries = odoo.sql_db.sql_counter - queries
            restore()
            self.disposal_statements = sorted(
                ((v[0], v[1], k) for k, v in QUERY_TIMES.items()), reverse=True
            )[:10]
            cr.execute(
                SQL(
                    """
                    SELECT count(*) FROM customer_offboarding_event e
                      JOIN customer_offboarding_case c ON c.id = e.case_id
                     WHERE c.partner_id = ANY(%s) AND e.to_state = 'anonymized'
                    """,
                    self.disposal_ids,
                )
            )
            events = cr.fetchone()[0]
            cr.execute(
                SQL(
                    """
                    SELECT count(*) FROM res_partner
                     WHERE commercial_partner_id = ANY(%s)
                       AND (email IS NOT NULL OR name NOT LIKE %s)
                    """,
                    self.disposal_ids,
                    env["customer.offboarding.disposal"]._anonymized_label() + " #%",
                )
            )
            left_over = cr.fetchone()[0]
        self.disposal_rows.insert(
            0,
            (
                "(e) this engine (data-disposal cron)",
                seconds,
                events,
                peak_rss,
                queries,
                max(transactions) if transactions else seconds,
                f"{calls} cron call(s), {len(transactions)} transactions; "
                f"partners not erased: {left_over}; RSS at the start "
                f"{start_rss:,.0f} MB",
            ),
        )
        self.log(f"(e) disposal: {events:,} anonymized in {seconds:.1f} s")

    # -- report -------------------------------------------------------------

    def report(self):
        customers = int(self.args.partners * (1 - CHILD_SHARE))
        print()
        print(
            f"customer_offboarding benchmark — {self.args.partners:,} partners "
            f"({customers:,} customers), Odoo {odoo.release.version}, "
            f"{time.strftime('%Y-%m-%d')}"
        )
        print(
            f"seed {self.seed_seconds:.0f} s; install of the addons on the seeded "
            f"database {self.install_seconds:.0f} s"
        )
        print()
        print(
            "| approach | wall time (s) | partners/s | moved | peak RSS (MB) | queries "
            "| longest transaction (s) | note |"
        )
        print("| --- | --- | --- | --- | --- | --- | --- | --- |")
        for name, seconds, moved, rss, queries, longest, note in self.rows:
            print(
                f"| {name} | {seconds:,.1f} | {customers / seconds:,.0f} | "
                f"{'' if moved is None else f'{moved:,}'} | "
                f"{'' if rss is None else f'{rss:,.0f}'} | "
                f"{'' if queries is None else f'{queries:,.0f}'} | "
                f"{'' if longest is None else f'{longest:,.1f}'} | {note} |"
            )
        print()
        for name, seconds, count in self.previews:
            print(f"preview of “{name}”: {seconds:.1f} s ({count:,} would be moved)")
        if getattr(self, "tier_line", None):
            print(self.tier_line)
        print(
            "peak RSS of the process over the whole benchmark (seed, install, all "
            "steps): "
            f"{max([*PEAKS, rss_mb()]):,.0f} MB; "
            "the table's is the engine run's own peak"
        )
        times = {row[0][:3]: row[1] for row in self.rows}
        print()
        print(f"(a)/(d) = {times['(a)'] / times['(d)']:.2f}   (target ≤ 3)")
        print(f"(b)/(a) = {times['(b)'] / times['(a)']:.0f}")
        print(f"(c)/(a) = {times['(c)'] / times['(a)']:.0f}   (target ≥ 100)")
        print(
            f"moved: engine {self.engine_moved:,}, floor {self.floor_moved:,} "
            "(the engine applies exemptions; the floor does not)"
        )
        self.report_disposal()

    def report_disposal(self):
        print()
        print(
            f"data disposal — {len(self.disposal_ids):,} retired customers past "
            f"their disposal date ({self.disposal_family:,} partners with their "
            f"contacts, {self.disposal_messages:,} messages)"
        )
        print()
        print(
            "| approach | wall time (s) | customers/s | anonymized | peak RSS (MB) "
            "| queries | longest transaction (s) | note |"
        )
        print("| --- | --- | --- | --- | --- | --- | --- | --- |")
        for name, seconds, done, rss, queries, longest, note in self.disposal_rows:
            print(
                f"| {name} | {seconds:,.1f} | {done / seconds:,.0f} | {done:,} | "
                f"{'' if rss is None else f'{rss:,.0f}'} | "
                f"{'' if queries is None else f'{queries:,.0f}'} | "
                f"{longest:,.1f} | {note} |"
            )
        print()
        print("the disposal cron's slowest statements (total time, count, start):")
        for seconds_q, count, query in self.disposal_statements:
            print(f"{seconds_q:8.2f} s {count:6d}x  {query}")
        times = {row[0][:3]: row[1] for row in self.disposal_rows}
        print()
        print(f"(e)/(f) = {times['(e)'] / times['(f)']:.2f}   (target ≤ 3)")


QUERY_TIMES = {}


def time_commits(cr):
    """Make cr.commit record the duration of each transaction in the list it
    returns (restore it with the original ``cr.commit``)."""
    transactions = []
    last = [time.monotonic()]
    commit = cr.commit

    def timed_commit():
        commit()
        now = time.monotonic()
        transactions.append(now - last[0])
        last[0] = now

    cr.commit = timed_commit
    return transactions


def time_transactions():
    """Record the duration of every committed transaction of this process, in
    every thread (the run's workers have their own cursors): from its first
    statement to its commit. Returns (the list, a function that stops it)."""
    transactions = []
    Cursor = odoo.sql_db.Cursor
    execute, commit, rollback = Cursor.execute, Cursor.commit, Cursor.rollback
    began = {}

    def timed_execute(cr, *args, **kwargs):
        began.setdefault(id(cr), time.monotonic())
        return execute(cr, *args, **kwargs)

    def timed_commit(cr):
        result = commit(cr)
        start = began.pop(id(cr), None)
        if start is not None:
            transactions.append(time.monotonic() - start)
        return result

    def timed_rollback(cr):
        began.pop(id(cr), None)
        return rollback(cr)

    def restore():
        Cursor.execute, Cursor.commit, Cursor.rollback = execute, commit, rollback

    Cursor.execute, Cursor.commit = timed_execute, timed_commit
    Cursor.rollback = timed_rollback
    return transactions, restore


def time_queries(cr):
    """Sum the time of each statement (by its first words) on this cursor."""
    execute = cr.execute

    def timed(query, params=None, log_exceptions=True):
        t0 = time.monotonic()
        try:
            return execute(query, params, log_exceptions)
        finally:
            code = " ".join(str(getattr(query, "code", query)).split())[:110]
            total = QUERY_TIMES.setdefault(code, [0.0, 0])
            total[0] += time.monotonic() - t0
            total[1] += 1

    cr.execute = timed


def naive_check(env, partner):
    """What a developer writes without this addon: one partner at a time."""
    now = fields.Datetime.now()
    today = fields.Date.today()
    cutoff = now - timedelta(days=180)
    family = partner.search([("commercial_partner_id", "=", partner.id)])
    Move = env["account.move"]
    invoices = [
        ("commercial_partner_id", "=", partner.id),
        ("state", "=", "posted"),
        ("move_type", "in", ("out_invoice", "out_refund")),
        ("company_id", "=", env.company.id),
    ]
    recent = (
        env["mail.message"].search_count(
            [
                ("author_id", "in", family.ids),
                ("message_type", "in", ("email", "comment")),
                ("date", ">=", cutoff),
            ],
            limit=1,
        )
        or Move.search_count(
            invoices + [("invoice_date", ">=", cutoff.date())], limit=1
        )
        or env["sale.order"].search_count(
            [
                ("partner_id", "in", family.ids),
                ("state", "=", "sale"),
                ("date_order", ">=", cutoff),
            ],
            limit=1,
        )
    )
    if partner.create_date < cutoff and not recent:
        partner.offboarding_flag("inactivity")
        return
    revenue = Move._read_group(
        invoices + [("invoice_date", ">=", today - timedelta(days=365))],
        aggregates=["amount_untaxed_signed:sum"],
    )[0][0]
    if revenue < LOW_VALUE:
        partner.offboarding_flag("low_value")
        return
    mid = today - timedelta(days=182)
    current = Move._read_group(
        invoices + [("invoice_date", ">=", mid)],
        aggregates=["amount_untaxed_signed:sum"],
    )[0][0]
    previous = Move._read_group(
        invoices
        + [
            ("invoice_date", ">=", mid - timedelta(days=182)),
            ("invoice_date", "<", mid),
        ],
        aggregates=["amount_untaxed_signed:sum"],
    )[0][0]
    if previous and current <= previous * 0.5:
        partner.offboarding_flag("declining_purchases")


# What an administrator writes in an automation rule's Python action (it runs
# in safe_eval: searches only, no private ORM methods).
AUTOMATION_CODE = """
cutoff = datetime.datetime.now() - datetime.timedelta(days=180)
today = datetime.date.today()
for record in records:
    family = env["res.partner"].search([("commercial_partner_id", "=", record.id)])
    invoices = [
        ("commercial_partner_id", "=", record.id),
        ("state", "=", "posted"),
        ("move_type", "in", ("out_invoice", "out_refund")),
        ("company_id", "=", env.company.id),
    ]
    Move = env["account.move"]
    recent = (
        env["mail.message"].search_count([
            ("author_id", "in", family.ids),
            ("message_type", "in", ("email", "comment")),
            ("date", ">=", cutoff)], limit=1)
        or Move.search_count(
            invoices + [("invoice_date", ">=", cutoff.date())], limit=1)
        or env["sale.order"].search_count([
            ("partner_id", "in", family.ids), ("state", "=", "sale"),
            ("date_order", ">=", cutoff)], limit=1)
    )
    if record.create_date < cutoff and not recent:
        record.offboarding_flag("inactivity")
        continue
    year = Move.search(invoices + [
        ("invoice_date", ">=", today - datetime.timedelta(days=365))])
    if sum(year.mapped("amount_untaxed_signed")) < 500:
        record.offboarding_flag("low_value")
        continue
    mid = today - datetime.timedelta(days=182)
    current = sum(year.filtered(lambda m: m.invoice_date >= mid).mapped(
        "amount_untaxed_signed"))
    previous = sum(Move.search(invoices + [
        ("invoice_date", ">=", mid - datetime.timedelta(days=182)),
        ("invoice_date", "<", mid)]).mapped("amount_untaxed_signed"))
    if previous and current <= previous * 0.5:
        record.offboarding_flag("declining_purchases")
"""


def main():
    args = parse_args()
    bench = Bench(args)
    bench.seed()
    bench.install()
    for step in (bench.floor, bench.naive, bench.automation, bench.engine, bench.tiers):
        bench.settle()
        step()
    bench.disposal_prepare()
    for step in (bench.disposal_floor, bench.disposal):
        bench.settle()
        step()
    bench.report()


if __name__ == "__main__":
    main()
