"""Every public method and write path of the suite, called over RPC (Odoo's
``call_kw``, as the web client and external scripts call it) by every role
that is not an offboarding manager of the records' company, with valid and
hostile arguments and a hostile context: the expected result per role, and
nothing written when refused.

Roles: a plain internal user (Contacts rights, no offboarding group), an
offboarding user, an offboarding manager of another company, a portal user
and the public user. A test fails when a public method of the suite has no
row in the table, so a new method cannot be added without its expectations.
"""

import hashlib
import logging

from odoo import api
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import MANAGER_GROUPS, OffboardingCommon
from .test_trust import FORGED_CONTEXT

_logger = logging.getLogger(__name__)

ROLES = ("plain", "user", "manager_b", "portal", "public")
REFUSED, HARMLESS, ALLOWED = "refused", "harmless", "allowed"
# Tables whose content a call may change; "nothing written" means none did.
WATCHED = (
    "res_partner",
    "res_company",
    "customer_offboarding_case",
    "customer_offboarding_event",
    "customer_offboarding_notice",
    "customer_reactivation_request",
    "customer_offboarding_rule",
    "customer_offboarding_run",
    "customer_offboarding_run_line",
    "customer_offboarding_reason",
    "customer_offboarding_alternative",
    "ir_cron_trigger",
    "mail_mail",
)
# Hostile arguments: ids of another company's records, ids that do not
# exist (100,000 of them), wrong types for every argument.
MISSING_IDS = list(range(10**8, 10**8 + 100_000))
WRONG_VALUES = (None, 42, {"a": 1}, ["x"], "x" * 20_000)


def everyone_refused(**overrides):
    return {role: overrides.get(role, REFUSED) for role in ROLES}


def harmless_for_internal(**overrides):
    """Action buttons that only open a wizard: harmless for internal users."""
    values = {"plain": HARMLESS, "user": HARMLESS, "manager_b": REFUSED}
    values.update(overrides)
    return {role: values.get(role, REFUSED) for role in ROLES}


@tagged("post_install", "-at_install")
class TestSecurityTable(OffboardingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.company_b = env["res.company"].create({"name": "Table Company B"})
        cls.company.offboarding_manager_id = cls.manager
        cls.roles = {
            "plain": cls.plain_user,
            "user": cls.user,
            "manager_b": new_test_user(
                env,
                login="table_manager_b",
                groups=MANAGER_GROUPS,
                company_id=cls.company_b.id,
                company_ids=[cls.company_b.id],
            ),
            "portal": new_test_user(
                env, login="table_portal", groups="base.group_portal"
            ),
            "public": env.ref("base.public_user"),
        }
        customers = cls._create_customers(6, prefix="Table", email="t@example.com")
        cls.active_c, cls.at_risk, cls.retiring, cls.retired, cls.archived = customers[
            :5
        ]
        cls.ruled = customers[5]
        cls.retired.offboarding_tier_override = "high"
        cls._move(cls.at_risk, "at_risk")
        cls._move(cls.retiring, "retiring")
        cls._move(cls.retired, "retired")
        cls._move(cls.archived, "archived")
        cls.customer_b = cls._create_customers(
            1, prefix="Table B", company_id=cls.company_b.id
        )
        Case = env["customer.offboarding.case"]
        cls.case = Case.search([("partner_id", "=", cls.retiring.id)])
        cls.notice = cls.case.notice_ids[:1]
        cls.waiting_notice = env["customer.offboarding.notice"].search(
            [("partner_id", "=", cls.retired.id), ("state", "=", "to_approve")]
        )
        cls.request = env["customer.reactivation.request"]._submit(
            Case.search([("partner_id", "=", cls.archived.id)]),
            "salesperson",
            requester=cls.manager.partner_id,
        )
        reason = env.ref("customer_offboarding.reason_other")
        cls.rule = env["customer.offboarding.rule"].create(
            {
                "name": "Table rule",
                "criterion": "custom",
                "custom_domain": f"[('id', '=', {cls.ruled.id})]",
                "reason_id": reason.id,
                "cooldown_days": 0,
            }
        )
        cls.rule_run = env["customer.offboarding.run"]._start(cls.rule, "manual")
        cls.rule_run._execute()
        cls.preview = (
            env["customer.offboarding.preview"]
            .with_user(cls.manager)
            .create({"rule_id": cls.rule.id})
        )
        cls.export = (
            env["customer.offboarding.export"].with_user(cls.manager).create({})
        )
        cls.transition = (
            env["customer.offboarding.transition"]
            .with_user(cls.manager)
            .create({"operation": "flag", "partner_ids": [(6, 0, cls.active_c.ids)]})
        )
        cls.request_wizard = (
            env["customer.reactivation.request.wizard"]
            .with_user(cls.manager)
            .create({"partner_ids": [(6, 0, cls.retired.ids)]})
        )
        cls.reason = reason
        cls.alternative = env["customer.offboarding.alternative"].create(
            {"name": "Table alternative", "company_id": cls.company.id}
        )

    # ------------------------------------------------------------------
    # The table: (model, method) -> (ids, args, kwargs), expected per role
    # ------------------------------------------------------------------

    def _table(self):
        """{(model, method): (call, expected, hostile)}; ``call`` is (ids or
        None, args, kwargs); ``hostile`` lists other calls every role must be
        refused (or that must write nothing)."""
        active, at_risk = self.active_c, self.at_risk
        p_ids = (active | at_risk | self.retiring | self.retired | self.archived).ids
        b_ids = self.customer_b.ids

        def lifecycle(method, args, user_outcome=REFUSED, ids=None):
            ids = ids or p_ids
            hostile = [(b_ids, args, {}), (MISSING_IDS, args, {})]
            hostile += [(ids, [value], {}) for value in WRONG_VALUES if args]
            hostile += [(ids, args, {"note": value}) for value in WRONG_VALUES[1:]]
            return (
                (ids, args, {}),
                everyone_refused(user=user_outcome),
                hostile,
            )

        rule_values = {
            "name": "Forged",
            "criterion": "custom",
            "custom_domain": "[]",
            "reason_id": self.reason.id,
        }
        writes = {
            "res.partner": (
                p_ids,
                {"offboarding_state": "archived", "offboarding_tier": "high"},
            ),
            "customer.offboarding.case": (self.case.ids, {"state": "cancelled"}),
            "customer.offboarding.notice": (self.notice.ids, {"state": "to_approve"}),
            "customer.reactivation.request": (self.request.ids, {"state": "approved"}),
            "customer.offboarding.rule": (
                self.rule.ids,
                {"company_id": self.company_b.id},
            ),
            "customer.offboarding.event": (
                self.case.event_ids.ids,
                {"note": "rewritten"},
            ),
            "customer.offboarding.preview": (
                self.preview.ids,
                {"actionable_ids": "1,2,x"},
            ),
            "customer.offboarding.reason": (self.reason.ids, {"code": "forged"}),
            "customer.offboarding.alternative": (
                self.alternative.ids,
                {"website": "javascript:alert(1)"},
            ),
        }
        table = {
            ("res.partner", "offboarding_flag"): lifecycle(
                "offboarding_flag", ["inactivity"], ids=active.ids, user_outcome=ALLOWED
            ),
            ("res.partner", "offboarding_start"): lifecycle(
                "offboarding_start", ["inactivity"]
            ),
            ("res.partner", "offboarding_retire"): lifecycle("offboarding_retire", []),
            ("res.partner", "offboarding_archive"): lifecycle(
                "offboarding_archive", [], ids=self.retired.ids
            ),
            ("res.partner", "offboarding_reactivate"): lifecycle(
                "offboarding_reactivate", [], ids=self.archived.ids
            ),
            ("res.partner", "offboarding_cancel"): lifecycle(
                "offboarding_cancel", [], ids=at_risk.ids, user_outcome=ALLOWED
            ),
            ("res.partner", "offboarding_anonymize"): (
                (self.archived.ids, [], {"note": "Erasure request"}),
                everyone_refused(),
                lifecycle("offboarding_anonymize", [], ids=self.archived.ids)[2],
            ),
            ("res.partner", "action_offboarding_compute_tier"): (
                (p_ids, [], {}),
                everyone_refused(user=ALLOWED),
                [(b_ids, [], {}), (MISSING_IDS, [], {})],
            ),
            ("res.partner", "action_view_offboarding_cases"): (
                (active.ids, [], {}),
                everyone_refused(user=HARMLESS),
                [],
            ),
            ("res.partner", "action_view_offboarding_notices"): (
                (active.ids, [], {}),
                everyone_refused(user=HARMLESS),
                [],
            ),
            ("res.partner", "action_view_offboarding_requests"): (
                (active.ids, [], {}),
                everyone_refused(user=HARMLESS),
                [],
            ),
            ("customer.offboarding.run", "action_refresh"): (
                (self.rule_run.ids, [], {}),
                everyone_refused(user=HARMLESS),
                [],
            ),
            ("res.config.settings", "action_offboarding_compute_tiers"): (
                ([], [], {}),
                # A manager of B recomputes B's tiers (its own company).
                everyone_refused(manager_b=ALLOWED),
                [],
            ),
            ("customer.offboarding.rule", "action_preview"): (
                (self.rule.ids, [], {}),
                everyone_refused(),
                [],
            ),
            ("customer.offboarding.rule", "action_run_now"): (
                (self.rule.ids, [], {}),
                everyone_refused(),
                [],
            ),
            ("customer.offboarding.rule", "create"): (
                (None, [rule_values], {}),
                # In B, by B's manager; never in A (below).
                everyone_refused(manager_b=ALLOWED),
                [(None, [{**rule_values, "company_id": self.company.id}], {})],
            ),
            ("customer.offboarding.run", "action_undo"): (
                (self.rule_run.ids, [], {}),
                everyone_refused(),
                [],
            ),
            ("customer.offboarding.run", "action_open_events"): (
                (self.rule_run.ids, [], {}),
                everyone_refused(user=HARMLESS),
                [],
            ),
            ("customer.offboarding.run", "unlink"): (
                (self.rule_run.ids, [], {}),
                everyone_refused(),
                [],
            ),
            ("customer.offboarding.notice", "action_approve"): (
                (self.waiting_notice.ids, [], {}),
                everyone_refused(),
                [],
            ),
            ("customer.offboarding.notice", "action_cancel"): (
                (self.waiting_notice.ids, [], {}),
                everyone_refused(),
                [],
            ),
            ("customer.offboarding.notice", "action_open_mail"): (
                (self.notice.ids, [], {}),
                everyone_refused(user=HARMLESS),
                [],
            ),
            ("customer.reactivation.request", "action_approve"): (
                (self.request.ids, [], {}),
                # A mid tier request: offboarding users decide it.
                everyone_refused(user=ALLOWED),
                [(self.request.ids, [value], {}) for value in WRONG_VALUES[1:]],
            ),
            ("customer.reactivation.request", "action_refuse"): (
                (self.request.ids, ["No"], {}),
                everyone_refused(user=ALLOWED),
                [(self.request.ids, [value], {}) for value in WRONG_VALUES[1:]],
            ),
            ("customer.offboarding.export", "action_export_partners"): (
                (None, [p_ids], {}),
                everyone_refused(),
                [(None, [value], {}) for value in WRONG_VALUES],
            ),
            ("customer.offboarding.export", "action_export_cases"): (
                (None, [self.case.ids], {}),
                everyone_refused(),
                [(None, [value], {}) for value in WRONG_VALUES],
            ),
            ("customer.offboarding.preview", "action_open_partners"): (
                (self.preview.ids, [], {}),
                everyone_refused(),
                [],
            ),
            ("customer.offboarding.preview", "create"): (
                (None, [{"rule_id": self.rule.id, "actionable_ids": "1,2"}], {}),
                everyone_refused(),
                [],
            ),
            ("customer.offboarding.transition", "action_confirm"): (
                (self.transition.ids, [], {}),
                everyone_refused(),
                [],
            ),
            ("customer.offboarding.transition", "default_get"): (
                (None, [["partner_ids", "operation"]], {}),
                # Default values only: nothing is read or written.
                {role: HARMLESS for role in ROLES},
                [],
            ),
            ("customer.reactivation.request.wizard", "action_submit"): (
                (self.request_wizard.ids, [], {}),
                everyone_refused(),
                [],
            ),
        }
        for name in (
            "start",
            "retire",
            "archive",
            "reactivate",
            "cancel",
            "flag",
            "anonymize",
        ):
            table[("res.partner", f"action_offboarding_{name}")] = (
                (active.ids, [], {}),
                harmless_for_internal(),
                [],
            )
        for name in (
            "start",
            "retire",
            "archive_partner",
            "reactivate",
            "cancel",
            "anonymize",
        ):
            table[("customer.offboarding.case", f"action_{name}")] = (
                (self.case.ids, [], {}),
                everyone_refused(user=HARMLESS),
                [],
            )
        for model, (ids, values) in writes.items():
            table[(model, "write")] = ((ids, [values], {}), everyone_refused(), [])
        # Shared (company-less) reasons are configured by every company's
        # managers, as Odoo's shared records are.
        table[("customer.offboarding.reason", "write")] = (
            (self.reason.ids, [{"name": "Renamed"}], {}),
            everyone_refused(manager_b=ALLOWED),
            [(self.reason.ids, [{"company_id": self.company.id}], {})],
        )
        return table

    # ------------------------------------------------------------------
    # Running it
    # ------------------------------------------------------------------

    def _snapshot(self):
        self.env.flush_all()
        digest = hashlib.sha256()
        for table in WATCHED:
            self.env.cr.execute(
                f"SELECT md5(string_agg(t::text, ',' ORDER BY t.id)) FROM {table} t"  # noqa: S608
            )
            digest.update(str(self.env.cr.fetchone()[0]).encode())
        return digest.hexdigest()

    def _call(self, role, model, method, ids, args, kwargs):
        """Call ``method`` as ``role`` through Odoo's RPC entry point, with the
        forged context; return (the exception or None, whether anything was
        written). What the call wrote is read before it is rolled back: a
        refusal must come before any write."""
        user = self.roles[role]
        context = dict(FORGED_CONTEXT, lang="en_US")
        if role == "manager_b":
            context["allowed_company_ids"] = [self.company_b.id]
        env = api.Environment(self.env.cr, user.id, context)
        call_args = [ids, *args] if ids is not None else list(args)
        before = self._snapshot()
        savepoint = self.env.cr.savepoint()
        error = None
        try:
            with mute_logger("odoo.models", "odoo.sql_db", "odoo.addons", "odoo.http"):
                api.call_kw(env[model], method, call_args, dict(kwargs))
        except Exception as exc:  # noqa: BLE001 - the outcome is what is tested
            error = exc
        try:
            written = self._snapshot() != before
        except Exception:  # noqa: BLE001 - an aborted transaction wrote nothing
            written = False
        savepoint.close(rollback=True)
        self.env.invalidate_all()
        return error, written

    def test_every_public_method_of_the_suite_has_a_row(self):
        """The table covers every public method and write path the suite adds
        or overrides on its models."""
        table = self._table()
        found = set()
        for name in self.env.registry:
            cls = type(self.env[name])
            for attr in dir(cls):
                if attr.startswith("_") or attr in (
                    "init",
                    "create",
                    "write",
                    "unlink",
                ):
                    continue
                for klass in cls.__mro__:
                    if attr in vars(klass):
                        module = getattr(klass, "__module__", "") or ""
                        if module.startswith("odoo.addons.customer_offboarding") and (
                            callable(vars(klass)[attr])
                        ):
                            found.add((name, attr))
        covered = {key for key in table if key[1] not in ("create", "write", "unlink")}
        self.assertEqual(found - covered, set(), "public methods without a row")

    def test_each_role_gets_what_the_table_says(self):
        """Refused calls raise a clear Odoo error and write nothing; harmless ones
        write nothing; allowed ones do what the role may do. Hostile variants
        are refused (or write nothing) for every role, and never fail with a
        raw Python or database error."""
        table = self._table()
        cells = 0
        for (model, method), (call, expected, hostile) in table.items():
            for role in ROLES:
                ids, args, kwargs = call
                # B's records are valid for B's manager, not hostile.
                role_hostile = [
                    h
                    for h in hostile
                    if not (role == "manager_b" and h[0] == self.customer_b.ids)
                ]
                error, written = self._call(role, model, method, ids, args, kwargs)
                outcome = expected[role]
                cells += 1
                with self.subTest(model=model, method=method, role=role):
                    if outcome == ALLOWED:
                        self.assertIsNone(error, repr(error))
                    else:
                        self.assertFalse(written, "nothing written")
                    if outcome == REFUSED:
                        self.assertIsInstance(error, UserError, repr(error))
                    elif outcome == HARMLESS:
                        self.assertIsNone(error, repr(error))
                for h_ids, h_args, h_kwargs in role_hostile:
                    error, written = self._call(
                        role, model, method, h_ids, h_args, h_kwargs
                    )
                    cells += 1
                    with self.subTest(
                        model=model,
                        method=method,
                        role=role,
                        hostile=(h_args, h_kwargs),
                    ):
                        self.assertIsInstance(error, UserError, repr(error))
                        self.assertFalse(written, "nothing written")
        # The table's size, for the note of the trust issue.
        _logger.info(
            "security table: %s methods x %s roles, %s calls",
            len(table),
            len(ROLES),
            cells,
        )
        self.assertGreater(cells, len(table) * len(ROLES))
