"""Trust: nobody changes a status or a decision without the ledger knowing,
whatever the caller sends (RPC with any values and any context)."""

from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import MANAGER_GROUPS, OffboardingCommon

# Context keys a caller may send: none of them authorizes anything.
FORGED_CONTEXT = {
    "offboarding_transition": True,
    "offboarding_closing_state": "reactivated",
    "_customer_offboarding_internal": True,
    "_customer_offboarding_merge": True,
}


@tagged("post_install", "-at_install")
class TestStatusOnlyThroughTheLifecycle(OffboardingCommon):
    def _plain(self, records):
        return records.with_user(self.plain_user).with_context(**FORGED_CONTEXT)

    def test_no_context_key_lets_a_write_change_the_status(self):
        """A plain internal user writing the status over RPC with any context key
        is refused: the status and the ledger stay as they were."""
        for user in (self.plain_user, self.user, self.manager):
            for state in ("archived", "at_risk", "retired"):
                with (
                    self.subTest(user=user.login, state=state),
                    self.assertRaises(UserError),
                ):
                    self.customer.with_user(user).with_context(**FORGED_CONTEXT).write(
                        {"offboarding_state": state}
                    )
        self.assertEqual(self._states(self.customer | self.contact), {"active"})
        self.assertFalse(self._events(self.customer))
        self.assertTrue(self.customer.active)

    def test_writing_the_current_status_changes_nothing(self):
        """Writing the value a partner already has (Odoo's merge does) is a no-op."""
        self._move(self.customer, "at_risk")
        self.customer.with_user(self.manager).write({"offboarding_state": "at_risk"})
        self.assertEqual(self._states(self.customer), {"at_risk"})
        self.assertEqual(len(self._events(self.customer)), 1)

    def test_a_default_of_the_context_sets_no_status(self):
        """Kanban quick-create in the Retired column (default_offboarding_state)
        creates an active contact with no case and no event."""
        for user in (self.plain_user, self.manager):
            with self.subTest(user=user.login):
                partner = (
                    self.env["res.partner"]
                    .with_user(user)
                    .with_context(
                        default_offboarding_state="retired",
                        default_offboarding_tier="high",
                        default_offboarding_tier_override="high",
                    )
                    .name_create("Quick created")[0]
                )
                partner = self.env["res.partner"].browse(partner)
                self.assertEqual(self._states(partner), {"active"})
                self.assertFalse(partner.offboarding_tier)
                self.assertFalse(partner.offboarding_tier_override)
                self.assertFalse(self._events(partner))
        with self.assertRaises(UserError):
            self.env["res.partner"].with_user(self.manager).create(
                {"name": "Born retired", "offboarding_state": "retired"}
            )

    def test_the_tier_is_computed_and_the_override_is_for_managers(self):
        """Nobody writes the computed tier by hand; only managers set the override,
        even without Odoo's right to edit contacts, and it is tracked."""
        for user in (self.plain_user, self.user, self.manager):
            with self.subTest(user=user.login), self.assertRaises(UserError):
                self.customer.with_user(user).write({"offboarding_tier": "high"})
        for user in (self.plain_user, self.user):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.customer.with_user(user).write(
                    {"offboarding_tier_override": "low"}
                )
        manager = new_test_user(
            self.env,
            login="offb_manager_no_contacts",
            groups="base.group_user,customer_offboarding.group_offboarding_manager",
        )
        self.customer.with_user(manager).with_context(
            tracking_disable=False
        ).offboarding_tier_override = "high"
        self.env.cr.precommit.run()  # tracking values are written at commit
        self.assertEqual(self.customer.offboarding_tier_override, "high")
        self.assertEqual(self.customer.offboarding_tier, "high")
        tracked = self.customer.message_ids.tracking_value_ids.filtered(
            lambda t: t.field_id.name == "offboarding_tier_override"
        )
        self.assertEqual(tracked.new_value_char, "High")

    def test_portal_and_plain_users_do_not_read_the_assessment(self):
        """A customer's own portal user reads nothing of its offboarding; a plain
        internal user reads the status, not the reason, tier or case."""
        self._move(self.customer, "at_risk")
        portal = new_test_user(
            self.env, login="offb_portal", groups="base.group_portal"
        )
        portal.partner_id.parent_id = self.customer
        internal_only = ["offboarding_state"]
        assessment = [
            "offboarding_reason_id",
            "offboarding_tier",
            "offboarding_tier_override",
            "offboarding_case_id",
            "offboarding_end_date",
        ]
        for name in internal_only + assessment:
            with self.subTest(field=name), self.assertRaises(AccessError):
                portal.partner_id.with_user(portal).read([name])
        described = self.env["res.partner"].with_user(portal).fields_get()
        self.assertFalse(set(described) & set(internal_only + assessment))
        plain = self.customer.with_user(self.plain_user)
        self.assertEqual(
            plain.read(["offboarding_state"])[0]["offboarding_state"], "at_risk"
        )
        for name in assessment:
            with self.subTest(field=name), self.assertRaises(AccessError):
                plain.read([name])
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(self.plain_user).search(
                [("offboarding_case_id", "!=", False)]
            )

    def test_a_context_key_does_not_turn_a_cancel_into_a_reactivation(self):
        """Cancelling a flag with offboarding_closing_state in the context closes
        the case as cancelled and mails no welcome back."""
        self._move(self.customer, "at_risk")
        case = self.customer.offboarding_case_id
        self.customer.with_user(self.user).with_context(
            **FORGED_CONTEXT
        ).offboarding_cancel()
        self.assertEqual(case.state, "cancelled")
        self.assertFalse(case.notice_ids.filtered(lambda n: n.kind == "welcome_back"))

    def test_missing_ids_and_long_notes_are_refused_cleanly(self):
        """Unknown ids and notes beyond 10,000 characters: a clear error, nothing
        written."""
        Partner = self.env["res.partner"].with_user(self.manager)
        with self.assertRaises(UserError):
            Partner.browse([0]).offboarding_flag("inactivity")
        with self.assertRaises(UserError):
            self.customer.with_user(self.manager).offboarding_flag(
                "inactivity", note="x" * 10001
            )
        for end_date in ("9999-12-31", "2027-01-01'; DROP TABLE x;--", "soon", 42):
            with self.subTest(end_date=end_date), self.assertRaises(UserError):
                self.customer.with_user(self.manager).offboarding_start(
                    "inactivity", end_date=end_date
                )
        self.assertFalse(self._events(self.customer))

    def test_the_status_wizard_needs_customers(self):
        """Changing the status of no customer is an error, not a success."""
        wizard = (
            self.env["customer.offboarding.transition"]
            .with_user(self.manager)
            .create(
                {
                    "operation": "flag",
                    "reason_id": self.env.ref("customer_offboarding.reason_other").id,
                }
            )
        )
        with self.assertRaises(UserError):
            wizard.action_confirm()

    def test_a_manager_without_contact_rights_archives_and_reactivates(self):
        """The offboarding manager role is enough for what it offers."""
        manager = new_test_user(
            self.env,
            login="offb_manager_bare",
            groups="base.group_user,customer_offboarding.group_offboarding_manager",
        )
        partner = self.customer.with_user(manager)
        partner.offboarding_retire(reason_code="low_value")
        partner.offboarding_archive()
        self.assertFalse(self.customer.active)
        self.assertFalse(self.contact.active)
        partner.offboarding_reactivate()
        self.assertTrue(self.customer.active)
        self.assertTrue(self.contact.active)
        self.assertEqual(self._states(self.customer), {"active"})


@tagged("post_install", "-at_install")
class TestOnlyWhatAnOperationChangesIsWritable(OffboardingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.offboarding_manager_id = cls.manager
        cls.customers[1].offboarding_tier_override = "high"

    def _request(self, partner, state="retired"):
        self._move(partner, state)
        case = partner.with_context(active_test=False).offboarding_case_id
        return self.env["customer.reactivation.request"]._submit(
            case, "salesperson", requester=self.user.partner_id
        )

    def test_a_request_is_decided_only_through_approve_and_refuse(self):
        """Users cannot write a request's decision (state, decider, date), not even
        on a high tier request; the decision note stays editable."""
        requests = self._request(self.customer) | self._request(self.customers[1])
        for request in requests:
            for values in (
                {"state": "approved"},
                {"state": "refused", "decision_note": "forged"},
                {"decided_uid": self.manager.id},
                {"decision_date": fields.Datetime.now()},
                {"case_id": self.customers[2].id},
                {"source": "customer"},
            ):
                for user in (self.user, self.manager):
                    with (
                        self.subTest(values=values, user=user.login),
                        self.assertRaises(UserError),
                    ):
                        request.with_user(user).write(values)
        requests.with_user(self.manager).write({"decision_note": "Call them first"})
        self.assertEqual(set(requests.mapped("state")), {"submitted"})
        self.assertEqual(set(requests.mapped("decision_note")), {"Call them first"})
        self.assertEqual(self._states(self.customer), {"retired"})

    def test_a_case_moves_only_with_its_customer(self):
        """Managers annotate cases; state, dates, revision, company and customer
        are the lifecycle's."""
        self._move(self.customer, "retiring")
        case = self.customer.offboarding_case_id
        for values in (
            {"state": "cancelled", "closed_date": "2026-01-01"},
            {"end_date": "2030-01-01"},
            {"revision": 7},
            {"keep_in_touch": True},
        ):
            with self.subTest(values=values), self.assertRaises(AccessError):
                case.with_user(self.manager).write(values)
        for values in (
            {"company_id": self.env["res.company"].create({"name": "B"}).id},
            {"partner_id": self.customers[2].id},
        ):
            with self.subTest(values=values), self.assertRaises(UserError):
                case.with_user(self.manager).write(values)
        case.with_user(self.manager).write({"note": "Called twice"})
        self.assertEqual((case.state, case.note), ("retiring", "Called twice"))
        self.assertEqual(self._states(self.customer), {"retiring"})

    def test_a_notice_is_sent_once_whatever_is_written(self):
        """A queued notice cannot be set back to approval (and sent twice), nor
        its approver or kind forged."""
        self.customers[1].email = "vip@example.com"
        self._move(self.customers[1], "retiring")
        notice = self.customers[1].offboarding_case_id.notice_ids
        self.assertEqual(notice.state, "to_approve")
        notice.with_user(self.manager).action_approve()
        for values in (
            {"state": "to_approve"},
            {"approved_uid": self.user.id},
            {"kind": "reminder"},
            {"mail_id": False},
        ):
            with self.subTest(values=values), self.assertRaises(AccessError):
                notice.with_user(self.manager).write(values)
        with self.assertRaises(UserError):
            notice.with_user(self.manager).action_approve()
        self.assertEqual(len(notice.mail_id), 1)

    def test_a_rule_that_moved_customers_cannot_be_deleted(self):
        """Deleting a rule would rewrite the ledger: it is refused (archive it)."""
        rule = self.env["customer.offboarding.rule"].create(
            {
                "name": "Delete me",
                "criterion": "custom",
                "custom_domain": f"[('id', '=', {self.customer.id})]",
                "reason_id": self.env.ref("customer_offboarding.reason_other").id,
                "cooldown_days": 0,
            }
        )
        run = self.env["customer.offboarding.run"]._start(rule, "manual")
        run._execute()
        event = self._events(self.customer)
        self.assertEqual(event.rule_id, rule)
        with self.assertRaises(UserError):
            rule.with_user(self.manager).unlink()
        self.assertEqual(event.rule_id, rule)
        rule.with_user(self.manager).active = False

    def test_settings_actions_check_the_caller(self):
        """Recomputing tiers from Settings is for offboarding managers."""
        Settings = self.env["res.config.settings"]
        cron = self.env.ref("customer_offboarding.ir_cron_compute_tiers")
        for user in (self.plain_user, self.user):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                Settings.with_user(user).browse().action_offboarding_compute_tiers()
        Trigger = self.env["ir.cron.trigger"]
        self.assertFalse(Trigger.search([("cron_id", "=", cron.id)]))
        Settings.with_user(self.manager).browse().action_offboarding_compute_tiers()
        self.assertTrue(Trigger.search([("cron_id", "=", cron.id)]))

    def test_bad_settings_and_rule_parameters_are_refused(self):
        """Values that would break every page or match everyone are refused."""
        company = self.company.with_user(self.manager)
        for values in (
            {"offboarding_retention_days": 99_999_999},
            {"offboarding_link_days": 3_000_000},
            {"offboarding_notice_days": 2_147_483_648},
            {"offboarding_cooldown_days": -1},
        ):
            with self.subTest(values=values), self.assertRaises(ValidationError):
                company.sudo().write(values)
        Rule = self.env["customer.offboarding.rule"].with_user(self.manager)
        base = {
            "name": "Bad",
            "reason_id": self.env.ref("customer_offboarding.reason_other").id,
        }
        for values in (
            {"name": "   "},
            {"criterion": "inactivity", "days": 0},
            {"criterion": "inactivity", "days": 2_147_483_648},
            {"criterion": "no_response", "threshold_count": 0},
            {"criterion": "declining_purchases", "threshold_percent": -50},
            {"criterion": "high_cost", "threshold_percent": 1000},
            {"criterion": "complaints"},
            {"criterion": "needs_changed"},
            {"activity_deadline_days": -30},
            {
                "criterion": "custom",
                "custom_domain": "[('user_ids.password', '=', 'x')]",
            },
            {"scope_domain": "[('offboarding_rule_match_id', '=', 1)]"},
        ):
            # ValidationError and AccessError are UserErrors.
            with self.subTest(values=values), self.assertRaises(UserError):
                Rule.create({**base, **values})


@tagged("post_install", "-at_install")
class TestServerActionsOfRules(OffboardingCommon):
    def test_only_who_may_create_server_actions_attaches_one_run_as_that_user(self):
        """A manager cannot attach a server action; an administrator's runs with
        the administrator's rights, not the scheduler's."""
        admin = self.env.ref("base.user_admin")
        action = self.env["ir.actions.server"].create(
            {
                "name": "Who runs me",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "state": "code",
                "code": "records.write({'comment': 'uid %s' % env.uid})",
                "groups_id": [(6, 0, self.env.ref("base.group_system").ids)],
            }
        )
        values = {
            "name": "With action",
            "criterion": "custom",
            "custom_domain": f"[('id', '=', {self.customer.id})]",
            "reason_id": self.env.ref("customer_offboarding.reason_other").id,
            "cooldown_days": 0,
            "server_action_id": action.id,
        }
        Rule = self.env["customer.offboarding.rule"]
        with self.assertRaises(AccessError):
            Rule.with_user(self.manager).create(values)
        plain_rule = Rule.with_user(self.manager).create(
            {k: v for k, v in values.items() if k != "server_action_id"}
        )
        with self.assertRaises(AccessError):
            plain_rule.with_user(self.manager).server_action_id = action
        rule = Rule.with_user(admin).create(values)
        self.assertEqual(rule.server_action_user_id, admin)
        rule.with_user(self.manager).name = "Renamed by a manager"
        self.assertEqual(rule.server_action_user_id, admin, "a manager's edit")
        run = self.env["customer.offboarding.run"]._start(rule, "manual")
        run._execute()
        self.assertEqual(self.customer.comment, f"<p>uid {admin.id}</p>")

    def test_a_server_action_its_user_may_not_run_fails_the_rule(self):
        """Run as its user, an action restricted to other groups is the rule's
        error: nothing of that range moves."""
        admin = self.env.ref("base.user_admin")
        nobody = self.env["res.groups"].create(
            {"name": "Trust action runners", "users": [(4, admin.id)]}
        )
        action = self.env["ir.actions.server"].create(
            {
                "name": "Restricted",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "state": "code",
                "code": "records.write({'comment': 'ran'})",
                "groups_id": [(6, 0, nobody.ids)],
            }
        )
        rule = (
            self.env["customer.offboarding.rule"]
            .with_user(admin)
            .create(
                {
                    "name": "Restricted action",
                    "criterion": "custom",
                    "custom_domain": f"[('id', '=', {self.customer.id})]",
                    "reason_id": self.env.ref("customer_offboarding.reason_other").id,
                    "cooldown_days": 0,
                    "server_action_id": action.id,
                }
            )
        )
        nobody.users = [(3, admin.id)]
        with patch(
            "odoo.addons.customer_offboarding.models.customer_offboarding_run_line._logger"
        ):
            run = self.env["customer.offboarding.run"]._start(rule, "manual")
            run._execute()
        self.assertEqual(run.line_ids.state, "error")
        self.assertFalse(self.customer.comment)
        self.assertEqual(self._states(self.customer), {"active"})


@tagged("post_install", "-at_install")
class TestNothingCrossesCompanies(OffboardingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "Trust Company B"})
        cls.manager_b = new_test_user(
            cls.env,
            login="trust_manager_b",
            groups=MANAGER_GROUPS,
            company_id=cls.company_b.id,
            company_ids=[cls.company_b.id],
        )
        cls.customer_b = cls._create_customers(
            1, prefix="Trust B", company_id=cls.company_b.id
        )
        cls.shared = cls._create_customers(1, prefix="Trust shared", company_id=False)

    def _rule(self, company, partner, user):
        return (
            self.env["customer.offboarding.rule"]
            .with_user(user)
            .with_company(company)
            .create(
                {
                    "name": f"Rule of {company.name}",
                    "company_id": company.id,
                    "criterion": "custom",
                    "custom_domain": f"[('id', '=', {partner.id})]",
                    "reason_id": self.env.ref("customer_offboarding.reason_other").id,
                    "cooldown_days": 0,
                }
            )
        )

    def test_records_stay_in_their_company(self):
        """A case, a notice or a rule cannot be moved into another company."""
        self._move(self.customer, "retiring")
        case = self.customer.offboarding_case_id
        rule_b = self._rule(self.company_b, self.customer, self.manager_b)
        for record, user in ((case, self.manager), (rule_b, self.manager_b)):
            with self.subTest(model=record._name), self.assertRaises(UserError):
                record.with_user(user).write({"company_id": self.company.id})
        self.assertEqual(case.company_id, self.company)
        self.assertEqual(rule_b.company_id, self.company_b)

    def test_a_rule_of_b_never_moves_a_customer_of_a(self):
        """A rule of company B naming company A's customer moves nobody."""
        rule_b = self._rule(self.company_b, self.customer, self.manager_b)
        run = self.env["customer.offboarding.run"]._start(rule_b, "manual")
        run._execute()
        self.assertEqual(run.company_id, self.company_b)
        self.assertEqual(run.moved_count, 0)
        self.assertEqual(self._states(self.customer, self.company), {"active"})

    def test_runs_are_read_and_undone_by_their_company_only(self):
        """A manager of B does not see, run or undo company A's run; one run per
        company, and its undo moves only its company's customers."""
        rule_a = self._rule(self.company, self.shared, self.manager)
        rule_b = self._rule(self.company_b, self.shared, self.manager_b)
        runs = self.env["customer.offboarding.run"]._start(rule_a | rule_b, "manual")
        self.assertEqual(runs.company_id, self.company | self.company_b)
        for run in runs:
            run._execute()
        run_a = runs.filtered(lambda r: r.company_id == self.company)
        self.assertEqual(self._states(self.shared, self.company), {"at_risk"})
        self.assertEqual(self._states(self.shared, self.company_b), {"at_risk"})
        Run = self.env["customer.offboarding.run"].with_user(self.manager_b)
        self.assertEqual(Run.search([]), runs - run_a)
        with self.assertRaises(AccessError):
            run_a.with_user(self.manager_b).action_undo()
        with self.assertRaises(AccessError):
            rule_a.with_user(self.manager_b).action_run_now()
        run_a.with_user(self.manager).action_undo()
        self.assertEqual(self._states(self.shared, self.company), {"active"})
        self.assertEqual(self._states(self.shared, self.company_b), {"at_risk"})

    def test_exports_and_previews_are_their_user_s(self):
        """An internal export or a preview of one manager is not another's."""
        self.manager.company_ids |= self.company_b
        self.manager_b.company_ids |= self.company
        Export = self.env["customer.offboarding.export"]
        action = Export.with_user(self.manager).action_export_partners(
            self.customer.ids
        )
        export_id = int(action["url"].split("/")[4])
        with self.assertRaises(AccessError):
            Export.with_user(self.manager_b).browse(export_id).read(["file"])
        rule = self._rule(self.company, self.customer, self.manager)
        preview = rule.with_user(self.manager).action_preview()["res_id"]
        with self.assertRaises(AccessError):
            self.env["customer.offboarding.preview"].with_user(self.manager_b).browse(
                preview
            ).read(["actionable_ids"])

    def test_unarchive_never_reactivates_in_a_company_the_user_cannot_reach(self):
        """A shared customer archived by A and B: a user of A only is refused,
        naming B; nothing changes."""
        self.shared.with_user(self.manager).offboarding_retire(reason_code="low_value")
        self.shared.with_user(self.manager_b).with_company(
            self.company_b
        ).offboarding_retire(reason_code="low_value")
        self.shared.with_user(self.manager).offboarding_archive()
        self.shared.with_user(self.manager_b).with_company(
            self.company_b
        ).offboarding_archive()
        self.assertFalse(self.shared.active)
        with self.assertRaises(UserError) as refused:
            self.shared.with_user(self.manager).action_unarchive()
        self.assertIn(self.company_b.name, str(refused.exception))
        self.assertFalse(self.shared.active)
        self.assertEqual(self._states(self.shared, self.company_b), {"archived"})
        self.assertEqual(self._states(self.shared, self.company), {"archived"})

    def test_odoo_archive_by_a_user_without_offboarding_rights(self):
        """A plain user archives a contact nobody offboards as Odoo does; a
        customer being offboarded needs an offboarding manager."""
        other = self.customers[2]
        other.with_user(self.plain_user).action_archive()
        self.assertFalse(other.active)
        self.assertFalse(self._events(other))
        other.with_user(self.plain_user).action_unarchive()
        self.assertTrue(other.active)
        self._move(self.customer, "retired")
        with self.assertRaises(AccessError):
            self.customer.with_user(self.plain_user).action_archive()
        self.assertTrue(self.customer.active)
        self.assertEqual(self._states(self.customer), {"retired"})


@tagged("post_install", "-at_install")
class TestMerge(OffboardingCommon):
    def _merge(self, partners, dst):
        # Odoo's merge is an administrator's tool.
        wizard = self.env["base.partner.merge.automatic.wizard"].create({})
        wizard._merge(partners.ids, dst, extra_checks=False)

    def test_a_contact_being_offboarded_is_not_merged_away(self):
        """Merging a customer with an open case into another is refused."""
        self._move(self.customers[1], "at_risk")
        with self.assertRaises(UserError):
            self._merge(self.customers[1:3], self.customers[2])
        self.assertTrue(self.customers[1].exists())

    def test_the_destination_keeps_its_status_and_gains_the_history(self):
        """The destination keeps its status; the closed cases of the merged
        contact and their ledger follow it; its contacts take its status."""
        self._move(self.customers[1], "at_risk")
        self.customers[1].with_user(self.manager).offboarding_cancel()
        closed = self.customers[1].with_context(active_test=False)
        closed_case = self.env["customer.offboarding.case"].search(
            [("partner_id", "=", closed.id)]
        )
        self._move(self.customers[2], "retiring")
        child = self.env["res.partner"].create(
            {"name": "Moved contact", "parent_id": self.customers[1].id}
        )
        self._merge(self.customers[1:3], self.customers[2])
        self.assertFalse(closed.exists())
        self.assertEqual(self._states(self.customers[2]), {"retiring"})
        self.assertEqual(closed_case.partner_id, self.customers[2])
        self.assertEqual(child.parent_id, self.customers[2])
        self.assertEqual(self._states(child), {"retiring"})
        self.assertEqual(len(closed_case.event_ids), 2)
