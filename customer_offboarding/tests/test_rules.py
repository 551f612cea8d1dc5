from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL, mute_logger

from ..tools import scheduler
from .common import OffboardingCommon

RUN = "odoo.addons.customer_offboarding.models.customer_offboarding_run"


class RulesCommon(OffboardingCommon):
    """Two customers created 400 days ago, and helpers to write rules."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Rule = cls.env["customer.offboarding.rule"]
        cls.now = fields.Datetime.now()
        cls.old, cls.young = cls._create_customers(2, prefix="RuleTest")
        cls._age(cls.old | cls.young, 400)
        cls.scope = "[('name', 'like', 'RuleTest')]"

    @classmethod
    def _age(cls, partners, days):
        cls.env.flush_all()
        cls.env.cr.execute(
            SQL(
                "UPDATE res_partner SET create_date = %s WHERE id = ANY(%s)",
                fields.Datetime.now() - timedelta(days=days),
                partners.ids,
            )
        )
        partners.invalidate_recordset(["create_date"])

    def _message(self, partner, days_ago, author=None, message_type="comment", **vals):
        return self.env["mail.message"].create(
            {
                "model": "res.partner",
                "res_id": partner.id,
                "body": "hello",
                "message_type": message_type,
                "author_id": (author or partner).id,
                "date": self.now - timedelta(days=days_ago),
                **vals,
            }
        )

    def _rule(self, **values):
        return self.Rule.create(
            {
                "name": "Test rule",
                "criterion": "inactivity",
                "reason_id": self.env.ref("customer_offboarding.reason_inactivity").id,
                "scope_domain": self.scope,
                "cooldown_days": 0,
                **values,
            }
        )

    def _run(self, rules):
        run = self.env["customer.offboarding.run"]._start(rules, trigger="manual")
        run._execute()
        return run

    def _matches(self, rule):
        return self.env["res.partner"].search(
            [("offboarding_rule_match_id", "=", rule.id)]
        )


@tagged("post_install", "-at_install")
class TestRules(RulesCommon):
    # -- criteria ---------------------------------------------------------

    def test_inactivity_uses_the_last_message_of_the_customer_or_its_contacts(self):
        """Inactive for 180 days: a message 179 days ago keeps the customer active."""
        rule = self._rule(days=180)
        contact = self.env["res.partner"].create(
            {"name": "RuleTest contact", "parent_id": self.young.id}
        )
        self._message(self.old, 181)
        self._message(self.young, 179, author=contact)
        self.assertEqual(self._matches(rule), self.old)

    def test_inactivity_counts_done_activities_and_ignores_recent_partners(self):
        """Done activities count as activity; recently created partners are not idle."""
        rule = self._rule(days=180)
        activity_type = self.env.ref("mail.mail_activity_data_call")
        self._message(
            self.old,
            10,
            author=self.env.user.partner_id,
            message_type="notification",
            mail_activity_type_id=activity_type.id,
        )
        fresh = self._create_customers(1, prefix="RuleTest fresh")
        self.assertFalse(self._matches(rule) & (self.old | fresh))
        self.assertEqual(self._matches(rule), self.young)

    def test_key_contact_left(self):
        """A company whose contacts are all archived or without email matches."""
        rule = self._rule(criterion="key_contact_left")
        self.env["res.partner"].create(
            [
                {"name": "RuleTest gone", "parent_id": self.old.id, "active": False},
                {"name": "RuleTest noemail", "parent_id": self.old.id},
                {"name": "RuleTest ok", "parent_id": self.young.id, "email": "a@b.c"},
            ]
        )
        self.assertEqual(self._matches(rule), self.old)

    def _send_mails(self, partner, count):
        """``count`` mails to ``partner``, each sent a way Odoo sends mail: the
        chatter's Send message, a mail template, the composer."""
        partner.email = partner.email or f"{partner.id}@example.com"
        manager = partner.with_user(self.manager)
        template = self.env["mail.template"].create(
            {
                "name": "RuleTest template",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "subject": "News",
                "body_html": "<p>News</p>",
                "partner_to": "{{ object.id }}",
            }
        )
        ways = [
            lambda: manager.message_post(
                body="Chatter mail",
                partner_ids=partner.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            ),
            lambda: template.send_mail(partner.id),
            lambda: (
                self.env["mail.compose.message"]
                .with_user(self.manager)
                .with_context(
                    default_model="res.partner",
                    default_res_ids=partner.ids,
                    default_composition_mode="comment",
                )
                .create({"body": "Composer mail", "partner_ids": partner.ids})
                ._action_send_mail()
            ),
        ]
        for index in range(count):
            ways[index % len(ways)]()

    def test_no_response_counts_mails_we_sent_and_replies(self):
        """3 mails sent (chatter, template, composer) and no reply matches; a
        reply, fewer mails, log notes or mails from others do not."""
        rule = self._rule(criterion="no_response", days=30, threshold_count=3)
        self._send_mails(self.old, 3)
        self._send_mails(self.young, 3)
        self._message(self.young, 0, message_type="email")  # the reply
        third = self._create_customers(1, prefix="RuleTest two mails")
        self._send_mails(third, 2)
        third.message_post(body="A note", subtype_xmlid="mail.mt_note")
        stranger = self.env["res.partner"].create({"name": "RuleTest stranger"})
        self._message(third, 0, author=stranger, message_type="email")
        self.assertEqual(self._matches(rule), self.old)
        self._send_mails(third, 1)
        self.assertEqual(self._matches(rule), self.old | third)

    def test_unsubscribed_and_bounced(self):
        """Blacklisted addresses and bounce counts at the threshold match."""
        self.old.email = "gone@example.com"
        self.young.email = "fine@example.com"
        self.env["mail.blacklist"].create({"email": "gone@example.com"})
        self.assertEqual(self._matches(self._rule(criterion="unsubscribed")), self.old)
        self.old.message_bounce = 2
        self.young.message_bounce = 3
        bounced = self._rule(criterion="bounced", threshold_count=3)
        self.assertEqual(self._matches(bounced), self.young)

    def test_complaints_counted_in_the_window(self):
        """Complaint activities inside the window count; older ones do not."""
        complaint = self.env["mail.activity.type"].create({"name": "Complaint"})
        rule = self._rule(
            criterion="complaints",
            days=30,
            threshold_count=2,
            complaint_activity_type_id=complaint.id,
        )
        me = self.env.user.partner_id
        for partner, days in (
            (self.old, 5),
            (self.old, 20),
            (self.young, 5),
            (self.young, 40),
        ):
            self._message(
                partner,
                days,
                author=me,
                message_type="notification",
                mail_activity_type_id=complaint.id,
            )
        self.assertEqual(self._matches(rule), self.old)

    def test_needs_changed_by_tag_and_custom_domain(self):
        """Tagged partners match Needs Changed; a custom domain matches its partners."""
        tag = self.env["res.partner.category"].create({"name": "Moved away"})
        self.old.category_id = tag
        rule = self._rule(criterion="needs_changed", tag_ids=[(6, 0, tag.ids)])
        self.assertEqual(self._matches(rule), self.old)
        custom = self._rule(
            criterion="custom", custom_domain=f"[('id', '=', {self.young.id})]"
        )
        self.assertEqual(self._matches(custom), self.young)

    # -- exemptions ---------------------------------------------------------

    def test_exemptions_are_respected_and_counted(self):
        """Tagged, user-linked and recently reactivated customers are spared."""
        never = self.env.ref("customer_offboarding.partner_category_never_offboard")
        tagged_p, user_p, cooled, plain = self._create_customers(
            4, prefix="RuleTest ex"
        )
        self._age(tagged_p | user_p | cooled | plain, 400)
        tagged_p.category_id = never
        portal = new_test_user(
            self.env, login="rule_portal", groups="base.group_portal"
        )
        portal.partner_id.parent_id = user_p
        cooled.with_user(self.manager).offboarding_flag("inactivity")
        cooled.with_user(self.manager).offboarding_cancel()
        rule = self._rule(cooldown_days=30)
        run = self._run(rule)
        moved = self.old | self.young | plain
        self.assertEqual(self._states(moved), {"at_risk"})
        self.assertEqual(self._states(tagged_p | user_p | cooled), {"active"})
        line = run.line_ids
        self.assertEqual((line.matched, line.exempted, line.moved), (6, 3, 3))
        self.assertEqual(line.exemption_summary, "cooldown: 1, tag: 1, user: 1")

    # -- runs ---------------------------------------------------------------

    def test_preview_counts_and_writes_nothing(self):
        """The preview counts matches per tier and changes no partner, case or event."""
        self.old.offboarding_tier = "high"
        rule = self._rule()
        events = self.env["customer.offboarding.event"].search_count([])
        preview = self.env["customer.offboarding.preview"].browse(
            rule.with_user(self.manager).action_preview()["res_id"]
        )
        self.assertEqual((preview.matched_count, preview.actionable_count), (2, 2))
        self.assertIn("High: 1", preview.tier_summary)
        self.assertEqual(
            self.env["customer.offboarding.event"].search_count([]), events
        )
        self.assertEqual(self._states(self.old | self.young), {"active"})
        action = preview.action_open_partners()
        listed = self.env["res.partner"].search(action["domain"])
        self.assertEqual(listed, self.old | self.young)

    def test_run_moves_records_rule_and_run_and_a_rerun_changes_nothing(self):
        """A run flags matches, events name rule and run; a rerun changes nothing."""
        rule = self._rule()
        run = self._run(rule)
        self.assertEqual(run.state, "done")
        self.assertEqual(self._states(self.old | self.young), {"at_risk"})
        events = self._events(self.old | self.young)
        self.assertEqual(set(events.mapped("rule_id")), {rule})
        self.assertEqual(set(events.mapped("run_id")), {run})
        self.assertEqual(set(events.mapped("origin")), {"rule"})
        again = self._run(rule)
        self.assertEqual(again.moved_count, 0)
        self.assertEqual(self._events(self.old | self.young), events)

    def test_run_reuses_the_open_case_of_a_partner_shown_active(self):
        """A customer shown active while an open case remains (status reset by
        hand in the database) is moved with that case: no second open case,
        no failed rule, one ledger row for the move."""
        self.old.with_user(self.manager).offboarding_start("inactivity")
        case = self.old.offboarding_case_id
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE res_partner SET offboarding_state = NULL WHERE id = %s",
                self.old.id,
            )
        )
        self.env.invalidate_all()
        rule = self._rule()
        run = self._run(rule)
        self.assertFalse(run.line_ids.error)
        self.assertEqual(run.line_ids.state, "done")
        self.assertEqual(self._states(self.old), {"at_risk"})
        cases = self.env["customer.offboarding.case"].search(
            [("partner_id", "=", self.old.id)]
        )
        self.assertEqual(cases, case)
        self.assertEqual(
            self._events(self.old).filtered(lambda e: e.run_id == run).case_id, case
        )

    def test_archive_rule_retires_first(self):
        """An archive rule walks active → retired → archived, never skipping a step."""
        rule = self._rule(action="archive")
        self._run(rule)
        events = self._events(self.old)
        self.assertEqual(
            [(e.from_state, e.to_state) for e in events.sorted("id")],
            [("active", "retired"), ("retired", "archived")],
        )
        self.assertFalse(self.old.active)

    def test_interrupted_run_resumes_and_ends_like_a_clean_run(self):
        """A run stopped by its time budget resumes at its checkpoint."""
        extra = self._create_customers(4, prefix="RuleTest more")
        self._age(extra, 400)
        rule = self._rule()
        everyone = self.old | self.young | extra
        width = (max(everyone.ids) - min(everyone.ids)) // 3 + 1
        Run = self.env["customer.offboarding.run"]
        with (
            patch.object(type(Run), "_get_id_range", lambda self: width),
            # The budget is spent after the first range.
            patch.object(scheduler, "past", lambda deadline, last: True),
        ):
            run = Run._start(rule, trigger="cron")
            run.line_ids.cursor = min(everyone.ids)
            finished = run._execute(time_budget=10)
        self.assertFalse(finished)
        self.assertEqual(run.state, "running")
        partly = self._events(everyone)
        self.assertTrue(0 < len(partly) < len(everyone))
        with patch.object(type(Run), "_get_id_range", lambda self: width):
            self.Rule._cron_evaluate()
        self.assertEqual(run.state, "done")
        self.assertEqual(self._states(everyone), {"at_risk"})
        self.assertEqual(len(self._events(everyone)), len(everyone))
        self.assertEqual(run.line_ids.moved, len(everyone))

    def test_run_killed_mid_range_resumes_without_duplicates(self):
        """A crash after the first range leaves the run resumable; the resumed run
        ends like a clean one: same as-of date, one case and event per partner."""
        extra = self._create_customers(4, prefix="RuleTest crash")
        self._age(extra, 400)
        everyone = self.old | self.young | extra
        rule = self._rule()
        width = (max(everyone.ids) - min(everyone.ids)) // 2 + 1
        Run = self.env["customer.offboarding.run"]
        original = type(rule)._apply_action
        calls = []

        def crash_on_second_range(rule, partner_ids, states, run):
            calls.append(partner_ids)
            if len(calls) == 2:
                raise KeyboardInterrupt("worker killed")  # not caught per rule
            return original(rule, partner_ids, states, run)

        with patch.object(type(Run), "_get_id_range", lambda self: width):
            run = Run._start(rule, trigger="cron")
            run.line_ids.cursor = min(everyone.ids)
            as_of = run.as_of_date
            with patch.object(type(rule), "_apply_action", crash_on_second_range):
                with self.assertRaises(KeyboardInterrupt):
                    run._execute(time_budget=None)
            self.assertEqual(run.state, "running")
            self.Rule._cron_evaluate()
        self.assertEqual((run.state, run.as_of_date), ("done", as_of))
        self.assertEqual(self._states(everyone), {"at_risk"})
        self.assertEqual(len(self._events(everyone)), len(everyone))
        cases = self.env["customer.offboarding.case"].search(
            [("partner_id", "in", everyone.ids)]
        )
        self.assertEqual(len(cases), len(everyone))

    def test_archive_rule_spares_shared_partners_still_served_elsewhere(self):
        """A shared partner active in another company is exempted from archiving."""
        self.env["res.company"].create({"name": "Rules Company Other"})
        shared = self._create_customers(1, prefix="RuleTest shared", company_id=False)
        self._age(shared, 400)
        run = self._run(self._rule(action="archive"))
        self.assertIn("shared: 1", run.line_ids.exemption_summary)
        self.assertTrue(shared.active)
        self.assertEqual(self._states(shared), {"active"})
        self.assertFalse(self.old.active)

    def test_a_failing_rule_is_reported_and_others_still_run(self):
        """A rule that fails is marked in error; the next rule runs; the cron stays."""
        tag = self.env["res.partner.category"].create({"name": "Discontinued need"})
        broken = self._rule(criterion="needs_changed", name="Broken", tag_ids=tag.ids)
        tag.unlink()  # the rule is left without tags: it cannot run
        working = self._rule(name="Working", sequence=20)
        with mute_logger(
            RUN, "odoo.addons.customer_offboarding.models.customer_offboarding_run_line"
        ):
            run = self._run(broken | working)
        lines = {line.rule_id: line for line in run.line_ids}
        self.assertEqual(lines[broken].state, "error")
        self.assertIn("tag", lines[broken].error)
        self.assertTrue(broken.last_error)
        self.assertEqual(lines[working].state, "done")
        self.assertEqual(self._states(self.old | self.young), {"at_risk"})
        self.assertTrue(
            self.env.ref("customer_offboarding.ir_cron_evaluate_rules").active
        )

    def test_domains_and_missing_apps_are_refused_when_saved(self):
        """Bad domains, unknown fields and signals of missing apps raise on save."""
        for domain in ("[('no_such_field', '=', 1)]", "[(", "42"):
            with self.subTest(domain=domain), self.assertRaises(ValidationError):
                self._rule(scope_domain=domain)
        if "sale.order" not in self.env:
            with self.assertRaises(ValidationError) as error:
                self._rule(source_sale=True)
            self.assertIn("Sales", str(error.exception))

    def test_rule_of_one_company_never_touches_another(self):
        """A shared partner moved by company A's rule keeps its status in B."""
        company_b = self.env["res.company"].create({"name": "Rules Company B"})
        shared = self._create_customers(1, prefix="RuleTest shared", company_id=False)
        self._age(shared, 400)
        rule_b = self._rule(
            company_id=company_b.id,
            scope_domain="[('name', 'like', 'RuleTest shared')]",
        )
        self._run(rule_b)
        self.assertEqual(self._states(shared, company_b), {"at_risk"})
        self.assertEqual(self._states(shared, self.company), {"active"})
        self.assertEqual(self._states(self.old | self.young, company_b), {"active"})

    def test_rule_schedules_owner_activities_and_runs_its_server_action(self):
        """Moved customers get an activity for their owner and the server action."""
        self.old.user_id = self.manager
        call = self.env.ref("mail.mail_activity_data_call")
        tag = self.env["res.partner.category"].create({"name": "Touched by rule"})
        action = self.env["ir.actions.server"].create(
            {
                "name": "Tag them",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "state": "code",
                "code": f"records.write({{'category_id': [(4, {tag.id})]}})",
            }
        )
        rule = self._rule(
            activity_type_id=call.id,
            activity_summary="Call before notice",
            activity_user_id=self.user.id,
            server_action_id=action.id,
        )
        self._run(rule)
        activities = self.env["mail.activity"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "in", (self.old | self.young).ids),
            ]
        )
        owners = {a.res_id: a.user_id for a in activities}
        self.assertEqual(owners, {self.old.id: self.manager, self.young.id: self.user})
        self.assertEqual(set(activities.mapped("summary")), {"Call before notice"})
        self.assertEqual((self.old | self.young).category_id, tag)

    def test_undo_moves_back_only_what_has_not_moved_since(self):
        """Undo reverts the run's moves, each as its own event, except later moves."""
        rule = self._rule()
        run = self._run(rule)
        self.young.with_user(self.manager).offboarding_start("inactivity")
        with self.assertRaises(AccessError):
            run.with_user(self.user).action_undo()
        run.with_user(self.manager).action_undo()
        self.assertEqual(self._states(self.old), {"active"})
        self.assertEqual(self._states(self.young), {"retiring"})
        self.assertEqual(run.undone_count, 1)
        undo = self._events(self.old).filtered(lambda e: e.origin == "undo")
        self.assertEqual((undo.from_state, undo.to_state), ("at_risk", "active"))
        with self.assertRaises(UserError):
            run.with_user(self.manager).action_undo()

    def test_undo_of_an_archive_run_restores_contacts(self):
        """Undoing an archive rule reactivates the customer and its contacts."""
        contact = self.env["res.partner"].create(
            {"name": "RuleTest c", "parent_id": self.old.id}
        )
        run = self._run(self._rule(action="archive"))
        self.assertFalse(contact.active)
        run.with_user(self.manager).action_undo()
        self.assertTrue(self.old.active and contact.active)
        self.assertEqual(self._states(self.old | contact), {"active"})

    def test_undo_back_to_at_risk_then_rerun_moves_again(self):
        """Undo of at_risk → retiring returns to at_risk; a rerun may start it again."""
        self._move(self.old | self.young, "at_risk")
        rule = self._rule(action="start")
        run = self._run(rule)
        self.assertEqual(self._states(self.old), {"retiring"})
        run.with_user(self.manager).action_undo()
        self.assertEqual(self._states(self.old | self.young), {"at_risk"})
        case = self.old.offboarding_case_id
        self.assertEqual((case.state, case.revision), ("at_risk", 1))
        self._run(rule)
        self.assertEqual(self._states(self.old | self.young), {"retiring"})
        self.assertEqual(
            sorted(case.event_ids.mapped(lambda e: (e.to_state, e.revision))),
            [("at_risk", 0), ("at_risk", 1), ("retiring", 0), ("retiring", 1)],
        )

    def test_retire_and_archive_rules_record_their_own_reason(self):
        """A rule that retires or archives an active customer names its reason on
        the case and the events, not Other; an existing case keeps its own."""
        low_value = self.env.ref("customer_offboarding.reason_low_value")
        self._move(self.young, "at_risk")  # flagged for inactivity
        for action in ("retire", "archive"):
            with self.subTest(action=action):
                partner = self._create_customers(1, prefix=f"RuleTest {action}")
                self._age(partner, 400)
                rule = self._rule(
                    action=action,
                    reason_id=low_value.id,
                    scope_domain=f"[('id', 'in', {(partner | self.young).ids})]",
                )
                self._run(rule)
                case = partner.with_context(active_test=False).offboarding_case_id
                self.assertEqual(case.reason_id, low_value)
                self.assertEqual(set(case.event_ids.reason_id), {low_value})
                self.young.invalidate_recordset()
        young_case = self.young.with_context(active_test=False).offboarding_case_id
        self.assertEqual(
            young_case.reason_id, self.env.ref("customer_offboarding.reason_inactivity")
        )

    def test_moved_counts_only_what_moved(self):
        """A retired customer whose notice waits for approval is not archived by an
        archive rule: counted as exempted (why: the notice), not as moved."""
        self.company.offboarding_manager_id = self.manager
        self.old.write(
            {"email": "old@example.com", "offboarding_tier_override": "high"}
        )
        self._move(self.old, "retired")
        self.assertEqual(self.old.offboarding_case_id.notice_ids.state, "to_approve")
        run = self._run(self._rule(action="archive"))
        line = run.line_ids
        self.assertEqual((line.matched, line.exempted, line.moved), (2, 1, 1))
        self.assertIn("notice_waiting: 1", line.exemption_summary)
        self.assertTrue(self.old.active)
        self.assertEqual(self._states(self.old), {"retired"})
        self.assertFalse(self.young.active)

    def test_undo_is_the_inverse_of_the_run(self):
        """Undoing a retire run mails no welcome back to customers who never left,
        cancels the notices not sent yet, keeps no cooldown; a later run moves
        and announces again."""
        self.old.email = "old@example.com"
        rule = self._rule(action="retire")
        run = self._run(rule)
        case = self.old.with_context(active_test=False).offboarding_case_id
        notice = case.notice_ids
        self.assertEqual((notice.kind, notice.state), ("retired", "queued"))
        self.assertEqual(notice.mail_id.state, "outgoing")
        run.with_user(self.manager).action_undo()
        self.assertEqual(self._states(self.old), {"active"})
        self.assertEqual(case.state, "cancelled")
        self.assertEqual(case.notice_ids, notice, "no welcome back")
        self.assertEqual(notice.state, "cancelled")
        self.assertEqual(notice.mail_id.state, "cancel")
        again = self._run(rule)
        self.assertEqual(again.moved_count, 2, "no cooldown after an undo")
        new_case = self.old.with_context(active_test=False).offboarding_case_id
        self.assertNotEqual(new_case, case)
        self.assertEqual(new_case.notice_ids.state, "queued")

    def test_undo_back_to_at_risk_clears_dates_and_announces_again(self):
        """Undo of a start run clears the notice period's dates and cancels its
        queued notice; running it again sends a new notice for the new end date."""
        self.old.email = "old@example.com"
        self._move(self.old | self.young, "at_risk")
        rule = self._rule(action="start")
        run = self._run(rule)
        case = self.old.offboarding_case_id
        first = case.notice_ids
        self.assertTrue(case.end_date and case.notice_date)
        run.with_user(self.manager).action_undo()
        self.assertFalse(case.end_date or case.notice_date)
        self.assertEqual((first.state, first.mail_id.state), ("cancelled", "cancel"))
        self._run(rule)
        self.assertTrue(case.end_date)
        second = case.notice_ids - first
        self.assertEqual((second.kind, second.state), ("retirement", "queued"))
        self.assertEqual(second.revision, 1)

    def test_only_managers_run_rules(self):
        """Users cannot run rules; managers can."""
        rule = self._rule()
        with self.assertRaises(AccessError):
            rule.with_user(self.user).action_run_now()
        action = rule.with_user(self.manager).action_run_now()
        run = self.env["customer.offboarding.run"].browse(action["res_id"])
        self.assertEqual((run.trigger, run.state), ("manual", "running"))
        self.assertEqual(self._states(self.old), {"active"})  # queued, not run
        self.Rule._cron_evaluate()
        self.assertEqual(run.state, "done")
        self.assertEqual(self._states(self.old), {"at_risk"})

    def test_daily_cron_runs_once_a_day(self):
        """The scheduled action starts one run a day; a second call does nothing."""
        self._rule()
        self.Rule._cron_evaluate()
        runs = self.env["customer.offboarding.run"].search([("trigger", "=", "cron")])
        self.assertEqual(len(runs), 1)
        self.assertEqual(self._states(self.old | self.young), {"at_risk"})
        self.Rule._cron_evaluate()
        self.assertEqual(
            self.env["customer.offboarding.run"].search([("trigger", "=", "cron")]),
            runs,
        )
