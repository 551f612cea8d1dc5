from datetime import timedelta

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import MANAGER_GROUPS, OffboardingCommon


@tagged("post_install", "-at_install")
class TestNotices(OffboardingCommon):
    """Tiered notices: what they say, who sends them, and that each goes once."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Notice = cls.env["customer.offboarding.notice"]
        cls.company.write(
            {
                "email": "service@offboarding-co.example.com",
                "offboarding_manager_id": cls.manager.id,
                "offboarding_reminder_days": 7,
                "offboarding_retention_days": 365,
                "offboarding_link_days": 90,
            }
        )
        cls.salesperson = new_test_user(
            cls.env,
            login="offb_sales",
            name="Sam Seller",
            email="sam.seller@offboarding-co.example.com",
            groups="base.group_user",
        )
        cls.salesperson.partner_id.phone = "+1 555 0100"
        cls.low, cls.mid, cls.high = cls.customers
        for partner, tier in zip(cls.customers, ("low", "mid", "high"), strict=True):
            partner.write(
                {
                    "email": f"{tier}@customer.example.com",
                    "offboarding_tier_override": tier,
                    "user_id": cls.salesperson.id,
                }
            )
        cls.alternative = cls.env["customer.offboarding.alternative"].create(
            {
                "name": "Friendly Rival Ltd",
                "website": "https://rival.example.com",
                "description": "Serves small accounts nearby.",
            }
        )
        cls.other_alternative = cls.env["customer.offboarding.alternative"].create(
            {
                "name": "Only For Closures",
                "reason_ids": [
                    (4, cls.env.ref("customer_offboarding.reason_company_closure").id)
                ],
            }
        )

    def _start(self, partners, reason="low_value"):
        partners.with_user(self.manager).offboarding_start(reason)
        return partners.with_company(self.company).offboarding_case_id

    def _notice(self, partner, kind):
        return self.Notice.search(
            [("partner_id", "=", partner.id), ("kind", "=", kind)]
        )

    def test_low_tier_gets_an_automated_notice_stating_everything(self):
        """The automated notice states reason, end date, data plan, links and
        alternatives, and names no human contact."""
        case = self._start(self.low)
        notice = self._notice(self.low, "retirement")
        self.assertEqual((notice.mode, notice.state), ("automated", "queued"))
        mail = notice.mail_id
        self.assertTrue(mail, "the notice is in Odoo's mail queue")
        self.assertEqual(mail.state, "outgoing")
        self.assertIn("low@customer.example.com", mail.email_to)
        body = mail.body_html
        reason = self.env.ref("customer_offboarding.reason_low_value")
        self.assertIn(reason.customer_wording, body)
        self.assertIn(fields.Date.to_date(case.end_date).strftime("%m/%d/%Y"), body)
        disposal = case.end_date + timedelta(days=365)
        self.assertIn(disposal.strftime("%m/%d/%Y"), body)
        self.assertIn("We keep the invoices and accounting records", body)
        self.assertIn("/offboarding/export/", body)
        self.assertIn("/offboarding/view/", body)
        self.assertIn("Friendly Rival Ltd", body)
        self.assertIn("https://rival.example.com", body)
        self.assertNotIn("Only For Closures", body)
        self.assertNotIn("Sam Seller", body)
        self.assertIn("This is an automated message.", body)

    def test_mid_tier_notice_names_a_human_contact(self):
        self._start(self.mid)
        notice = self._notice(self.mid, "retirement")
        self.assertEqual((notice.mode, notice.state), ("standard", "queued"))
        body = notice.mail_id.body_html
        self.assertIn("Sam Seller", body)
        self.assertIn("sam.seller@offboarding-co.example.com", body)
        self.assertIn("+1 555 0100", body)
        self.assertIn("Your contact for any question:", body)

    def test_mid_tier_without_salesperson_names_the_support_contact(self):
        self.mid.user_id = False
        support = self.env["res.partner"].create(
            {"name": "Support Desk", "email": "desk@offboarding-co.example.com"}
        )
        self.company.offboarding_contact_id = support
        self._start(self.mid)
        body = self._notice(self.mid, "retirement").mail_id.body_html
        self.assertIn("Support Desk", body)
        self.assertIn("desk@offboarding-co.example.com", body)

    def test_high_tier_waits_for_call_and_approval_then_goes_from_owner(self):
        """High tier: the owner calls first, a manager approves, the owner sends."""
        with freeze_time("2026-03-02"):
            case = self._start(self.high)
        notice = self._notice(self.high, "retirement")
        self.assertEqual((notice.mode, notice.state), ("personal", "to_approve"))
        self.assertFalse(notice.mail_id, "nothing is sent before the approval")
        call = case.activity_ids.filtered(
            lambda a: (
                a.activity_type_id
                == self.env.ref("customer_offboarding.mail_activity_type_personal_call")
            )
        )
        self.assertEqual(call.user_id, self.salesperson)
        self.assertEqual(call.date_deadline, fields.Date.to_date("2026-03-07"))
        approval = case.activity_ids - call
        self.assertEqual(approval.user_id, self.manager)
        with self.assertRaises(AccessError):
            notice.with_user(self.user).action_approve()
        self.assertEqual(notice.state, "to_approve")
        notice.with_user(self.manager).action_approve()
        self.assertEqual(notice.state, "queued")
        self.assertEqual(notice.approved_uid, self.manager)
        mail = notice.mail_id
        self.assertIn("sam.seller@offboarding-co.example.com", mail.email_from)
        self.assertIn("Sam Seller", mail.body_html)
        self.assertIn("You can reach me directly:", mail.body_html)
        self.assertFalse(case.activity_ids.filtered(lambda a: a == approval))

    def test_personal_notice_without_owner_goes_to_the_acting_user(self):
        """No salesperson and no Offboarding Manager: the call and the approval go
        to the user who moved the customer (the administrator for the scheduler)."""
        self.company.offboarding_manager_id = False
        self.high.user_id = False
        case = self._start(self.high)
        self.assertEqual(set(case.activity_ids.user_id), {self.manager})
        other = self._create_customers(1, prefix="Scheduler VIP")
        other.write({"email": "vip@customer.example.com"})
        other.offboarding_tier_override = "high"
        other.sudo().offboarding_start("low_value")
        case = other.with_company(self.company).offboarding_case_id
        self.assertEqual(
            set(case.activity_ids.user_id), {self.env.ref("base.user_admin")}
        )

    def test_tier_modes_are_configurable(self):
        self.company.offboarding_mode_low = "standard"
        self._start(self.low)
        self.assertEqual(self._notice(self.low, "retirement").mode, "standard")

    def test_each_notice_goes_once_even_when_queued_again(self):
        """A repeated or resumed run queues nothing twice (the database says so)."""
        case = self._start(self.low)
        mails = self.env["mail.mail"].search_count([])
        again = self.Notice._queue(case, "retirement")
        self.assertFalse(again)
        self.assertEqual(len(self._notice(self.low, "retirement")), 1)
        self.assertEqual(self.env["mail.mail"].search_count([]), mails)
        with (
            self.assertRaises(IntegrityError),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            self.Notice.create(
                {
                    "case_id": case.id,
                    "partner_id": self.low.id,
                    "company_id": self.company.id,
                    "kind": "retirement",
                    "mode": "automated",
                    "state": "queued",
                }
            )

    def test_retired_and_welcome_back_notices(self):
        self.low.with_user(self.manager).offboarding_retire(reason_code="low_value")
        retired = self._notice(self.low, "retired")
        self.assertEqual(retired.state, "queued")
        self.assertIn("has ended", retired.mail_id.body_html)
        self.low.with_user(self.manager).offboarding_reactivate()
        welcome = self._notice(self.low, "welcome_back")
        self.assertEqual(welcome.state, "queued")
        self.assertIn("Welcome back", welcome.mail_id.body_html)

    def test_cancelling_a_flag_sends_nothing(self):
        self.low.with_user(self.manager).offboarding_flag("inactivity")
        self.low.with_user(self.manager).offboarding_cancel()
        self.assertFalse(self.Notice.search([("partner_id", "=", self.low.id)]))

    def test_customer_without_email_is_recorded_not_mailed(self):
        self.low.email = False
        self._start(self.low)
        notice = self._notice(self.low, "retirement")
        self.assertEqual(notice.state, "no_email")
        self.assertFalse(notice.mail_id)

    def test_reminder_is_sent_once_before_the_end_date(self):
        with freeze_time("2026-03-01"):
            self.low.with_user(self.manager).offboarding_start(
                "low_value", end_date="2026-03-31"
            )
        with freeze_time("2026-03-23"):
            self.assertEqual(self.Notice._cron_send_reminders(), 0)
        with freeze_time("2026-03-24"):
            self.assertEqual(self.Notice._cron_send_reminders(), 1)
            self.assertEqual(self.Notice._cron_send_reminders(), 0)
        reminder = self._notice(self.low, "reminder")
        self.assertEqual(reminder.state, "queued")
        self.assertIn("Reminder", reminder.mail_id.body_html)

    def test_no_reminder_before_the_personal_notice_is_approved(self):
        with freeze_time("2026-03-01"):
            self.high.with_user(self.manager).offboarding_start(
                "low_value", end_date="2026-03-05"
            )
            self.assertEqual(self.Notice._cron_send_reminders(), 0)

    def test_archiving_waits_for_notices_to_be_approved(self):
        """Odoo does not mail archived partners: a waiting notice blocks archiving."""
        high = self.high.with_user(self.manager)
        high.offboarding_retire(reason_code="low_value")
        self.assertEqual(self._notice(self.high, "retired").state, "to_approve")
        with self.assertRaises(UserError):
            high.offboarding_archive()
        self.assertTrue(self.high.active)
        self._notice(self.high, "retired").with_user(self.manager).action_approve()
        high.offboarding_archive()
        self.assertFalse(self.high.active)

    def test_rule_runs_queue_notices_in_their_transaction(self):
        """A rule that starts offboarding queues the notices with its moves, once."""
        rule = self.env["customer.offboarding.rule"].create(
            {
                "name": "Start low tier",
                "criterion": "custom",
                "custom_domain": f"[('id', '=', {self.low.id})]",
                "scope_domain": "[]",
                "action": "start",
                "cooldown_days": 0,
                "customers_only": False,
                "reason_id": self.env.ref("customer_offboarding.reason_low_value").id,
            }
        )
        run = self.env["customer.offboarding.run"].sudo()._start(rule, "manual")
        run._execute()
        self.assertEqual(self._notice(self.low, "retirement").state, "queued")
        run2 = self.env["customer.offboarding.run"].sudo()._start(rule, "manual")
        run2._execute()
        self.assertEqual(len(self._notice(self.low, "retirement")), 1)

    def test_manager_can_cancel_a_waiting_notice(self):
        self._start(self.high)
        notice = self._notice(self.high, "retirement")
        notice.with_user(self.manager).action_cancel()
        self.assertEqual(notice.state, "cancelled")
        with self.assertRaises(UserError):
            notice.with_user(self.manager).action_approve()


@tagged("post_install", "-at_install")
class TestNoticeTranslation(OffboardingCommon):
    """A partner whose language is Simplified Chinese receives Chinese."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("zh_CN")
        cls.env["ir.module.module"]._load_module_terms(
            ["customer_offboarding"], ["zh_CN"], overwrite=True
        )
        cls.customer.write(
            {
                "lang": "zh_CN",
                "email": "li@customer.example.com",
                "offboarding_tier_override": "mid",
            }
        )
        cls.manager_user = new_test_user(
            cls.env, login="offb_zh_manager", groups=MANAGER_GROUPS
        )

    def test_chinese_customer_reads_chinese(self):
        self.customer.with_user(self.manager_user).offboarding_start(
            "inactivity", end_date="2030-06-30"
        )
        notice = self.env["customer.offboarding.notice"].search(
            [("partner_id", "=", self.customer.id)]
        )
        mail = notice.mail_id
        reason = self.env.ref("customer_offboarding.reason_inactivity").with_context(
            lang="zh_CN"
        )
        self.assertIn(reason.customer_wording, mail.body_html)
        self.assertNotEqual(
            reason.customer_wording,
            reason.with_context(lang="en_US").customer_wording,
        )
        for term in ("原因", "您的数据", "下载我的数据"):
            self.assertIn(term, mail.body_html)
        self.assertNotIn("Your data", mail.body_html)
        self.assertIn("2030", mail.subject)
        self.assertNotIn("our service to you ends", mail.subject)
