"""Data disposal: on its date, the customer's personal data is anonymized as
every notice says; a legal hold, a reactivation or another company keeping
the data stops it; refusals write nothing; the scheduled action is batched,
resumable and idempotent."""

import base64
import time
from datetime import timedelta
from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged

from ..models import customer_offboarding_disposal as disposal_module
from ..tools import scheduler
from .common import MANAGER_GROUPS, OffboardingCommon

# The standard wording every notice and the customer's page give (Settings:
# Data Disposal Plan left empty). The tests below hold the code to each of
# its claims: change one, change the other.
STANDARD_WORDING = (
    "We keep the invoices and accounting records the law requires us to keep, "
    "with the tax ID and bank account they show and their audit trail. We "
    "anonymize your name, contact details, addresses, images, the notes and tags "
    "of your contact record, your other bank accounts, the messages you wrote us "
    "and those on your contact record, and close your portal account. If you "
    "asked us not to email you, your address stays on our do-not-email list, so "
    "that we never email it again."
)
# A 1×1 PNG.
PIXEL = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
    )
)
CRON = "customer_offboarding.ir_cron_dispose_data"


def run_disposal(env):
    """The daily scheduled action, as on a new day (a company gone through
    today waits for tomorrow)."""
    env.cr.execute(
        "UPDATE res_company SET offboarding_dispose_date = NULL, "
        "offboarding_dispose_cursor = 0"
    )
    env["res.company"].invalidate_model(
        ["offboarding_dispose_date", "offboarding_dispose_cursor"]
    )
    env["customer.offboarding.case"]._cron_dispose()


class Killed(BaseException):
    """What a killed worker looks like to the code: not an error it handles."""


@tagged("post_install", "-at_install")
class TestDisposal(OffboardingCommon):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.offboarding_retention_days = 30
        cls.tag = cls.env["res.partner.category"].create({"name": "VIP Disposal"})
        cls.customer.write(
            {
                "email": "boss@customer.example.com",
                "phone": "+32 2 555 01 01",
                "mobile": "+32 470 55 01 01",
                "street": "1 Harbour Road",
                "street2": "Floor 2",
                "zip": "1000",
                "city": "Brussels",
                "country_id": cls.env.ref("base.be").id,
                "website": "https://customer.example.com",
                "vat": "BE0477472701",
                "comment": "<p>Pays late, call Mr. Li first</p>",
                "function": "Owner",
                "category_id": [Command.set(cls.tag.ids)],
                "image_1920": PIXEL,
            }
        )
        cls.contact.write({"phone": "+32 2 555 02 02", "street": "2 Side Street"})
        cls.old_contact = cls.env["res.partner"].create(
            {
                "name": "Old Archived Contact",
                "parent_id": cls.customer.id,
                "email": "old@customer.example.com",
                "active": False,
            }
        )
        cls.portal_user = new_test_user(
            cls.env,
            login="disposal_portal",
            name="Ann Contact",
            groups="base.group_portal",
            partner_id=cls.contact.id,
        )
        cls.bank = cls.env["res.partner.bank"].create(
            {"acc_number": "BE71 0961 2345 6769", "partner_id": cls.customer.id}
        )
        cls.other = cls.customers[1]

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def _due(self, partners, days_past=1):
        """Retire ``partners`` with a service end ``days_past`` days past
        their disposal date."""
        self._move(partners, "retired")
        cases = self._cases(partners)
        end = fields.Date.context_today(self.env.user) - timedelta(
            days=self.company.offboarding_retention_days + days_past
        )
        cases.sudo().write({"end_date": end, "retired_date": end})
        return cases

    def _cases(self, partners, company=None):
        return self.env["customer.offboarding.case"].search(
            [
                ("partner_id", "in", partners.ids),
                ("company_id", "=", (company or self.company).id),
            ]
        )

    def _dispose(self):
        run_disposal(self.env)

    def _snapshot(self, partners):
        """What a refused call must leave as it was."""
        family = (
            self.env["res.partner"]
            .with_context(active_test=False)
            .search([("commercial_partner_id", "in", partners.ids)])
        )
        self.env.flush_all()
        self.env.invalidate_all()
        return (
            family.read(["name", "email", "phone", "street", "active", "vat"]),
            self._events(partners).ids,
            self.env["mail.message"]
            .search([("model", "=", "res.partner"), ("res_id", "in", family.ids)])
            .read(["body"]),
        )

    def _post_contents(self):
        """Messages of every kind the erasure reaches; returns them."""
        Message = self.env["mail.message"]
        on_partner = self.customer.message_post(
            body="Our order of last spring",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            author_id=self.customer.id,
            attachments=[("order.txt", b"order of Mr. Li")],
        )
        # Written by the contact on another customer's thread.
        authored = self.other.message_post(
            body="Ann writes about her cousin",
            message_type="comment",
            author_id=self.contact.id,
            email_from="ann@example.com",
        )
        mail = self.env["mail.mail"].create(
            {
                "body_html": "<p>Dear Ann</p>",
                "email_to": "ann@example.com",
                "recipient_ids": [Command.set(self.contact.ids)],
                "model": "res.partner",
                "res_id": self.contact.id,
                "subject": "For Ann",
            }
        )
        return on_partner | authored | mail.mail_message_id | Message

    # ------------------------------------------------------------------
    # What is erased, and what is kept
    # ------------------------------------------------------------------

    def test_the_standard_wording_is_what_the_erasure_does(self):
        """The notices' standard wording (kept literally above) is the one in
        Settings, the emails and the customer's page."""
        self.assertEqual(self.company._offboarding_retention_text(), STANDARD_WORDING)
        case = self._due(self.customer)
        for kind in ("retirement", "retired"):
            template = self.env.ref(
                f"customer_offboarding.mail_template_{kind}_automated"
            )
            body = template._generate_template(case.ids, ("body_html",))[case.id]
            self.assertIn(STANDARD_WORDING, body["body_html"])

    def test_on_its_date_every_personal_field_of_the_family_is_erased(self):
        messages = self._post_contents()
        token = self.portal_user._compute_session_token("sid")
        case = self._due(self.customer)
        request = (
            self.env["customer.reactivation.request"]
            .sudo()
            ._submit(case, "customer", message="Please call Ann on her mobile")
        )
        case.sudo().note = "Mr. Li said he moves to Shanghai"
        family = self.customer | self.contact | self.old_contact
        family_ids = family.ids
        self._dispose()

        family = family.with_context(active_test=False)
        for partner in family:
            with self.subTest(partner=partner.id):
                # name: a neutral label with the partner id
                self.assertEqual(partner.name, f"Anonymized #{partner.id}")
                self.assertNotIn("Contact", partner.display_name)
                # contact details, addresses, website, notes, function, tags
                for name in (
                    "email",
                    "email_normalized",
                    "phone",
                    "mobile",
                    "street",
                    "street2",
                    "zip",
                    "city",
                    "website",
                    "comment",
                    "function",
                    "vat",  # no posted accounting document here
                ):
                    self.assertFalse(partner[name], name)
                self.assertFalse(partner.category_id)
                self.assertFalse(partner.image_1920)
                self.assertFalse(partner.bank_ids)
                # an anonymized customer is archived, for good
                self.assertFalse(partner.active)
                self.assertEqual(
                    partner.with_company(self.company).offboarding_state, "anonymized"
                )
        self.assertFalse(self.bank.exists())
        self.assertFalse(
            self.env["ir.attachment"].search(
                [("res_model", "=", "res.partner"), ("res_id", "in", family_ids)]
            )
        )
        # messages on them and written by them: no body, sender or attachment
        for message in messages:
            with self.subTest(message=message.id):
                self.assertFalse(message.body)
                self.assertFalse(message.email_from)
                self.assertFalse(message.attachment_ids)
                self.assertFalse(message.tracking_value_ids)
        mail = messages.mail_ids
        self.assertFalse(mail.body_html)
        self.assertFalse(mail.email_to)
        self.assertEqual(mail.state, "cancel")  # it will not go out
        # the portal user: login and password gone, archived
        user = self.portal_user.with_context(active_test=False)
        self.assertFalse(user.active)
        self.assertNotIn("disposal_portal", user.login)
        self.assertEqual(user.name, f"Anonymized #{self.contact.id}")
        self.env.cr.execute(
            "SELECT password FROM res_users WHERE id = %s", [self.portal_user.id]
        )
        self.assertIsNone(self.env.cr.fetchone()[0])
        # its open sessions end (Odoo checks them against this token)
        self.assertNotEqual(self.portal_user._compute_session_token("sid"), token)
        # the request's message and the case notes
        self.assertFalse(request.message)
        self.assertFalse(case.note)
        # nothing of them left in the tables searched by text
        for term in ("Mr. Li", "Ann writes", "ann@example.com", "Harbour", "0961"):
            self.env.cr.execute(
                """
                SELECT 1 FROM mail_message WHERE body::text LIKE %(t)s
                 UNION ALL
                SELECT 1 FROM res_partner
                 WHERE id = ANY(%(ids)s) AND row_to_json(res_partner)::text LIKE %(t)s
                """,
                {"t": f"%{term}%", "ids": family_ids},
            )
            self.assertFalse(self.env.cr.fetchall(), term)

    def test_what_is_kept_the_records_the_case_and_the_ledger(self):
        case = self._due(self.customer)
        tier, reason, end = case.tier, case.reason_id, case.end_date
        before = self._events(self.customer)
        self._dispose()
        # the partner records and their ids, company, parent and country
        self.assertTrue(self.customer.exists() and self.contact.exists())
        self.assertEqual(self.contact.parent_id, self.customer)
        self.assertEqual(self.customer.company_id, self.company)
        self.assertEqual(self.customer.country_id, self.env.ref("base.be"))
        # the case: closed as anonymized, with its reason, dates and tier
        self.assertEqual(case.state, "anonymized")
        self.assertFalse(case.is_open)
        self.assertEqual(case.anonymized_date, fields.Date.context_today(case))
        self.assertEqual(
            (case.tier, case.reason_id, case.end_date), (tier, reason, end)
        )
        # one ledger event, origin data disposal; the earlier ones untouched
        event = self._events(self.customer) - before
        self.assertEqual(len(event), 1)
        self.assertEqual(
            (event.from_state, event.to_state, event.origin, event.reason_id),
            ("retired", "anonymized", "disposal", reason),
        )
        self.assertEqual(self._events(self.customer) & before, before)
        # the chatter says so, with no personal data
        note = self.env["mail.message"].search(
            [("model", "=", "res.partner"), ("res_id", "=", self.customer.id)],
            limit=1,
        )
        self.assertIn("Anonymized", note.body)

    def test_a_second_run_changes_nothing(self):
        self._due(self.customer | self.other)
        self._dispose()
        snapshot = self._snapshot(self.customer | self.other)
        self.env.cr.execute("SELECT max(write_date) FROM res_partner")
        written = self.env.cr.fetchone()
        self._dispose()
        self.assertEqual(self._snapshot(self.customer | self.other), snapshot)
        self.env.cr.execute("SELECT max(write_date) FROM res_partner")
        self.assertEqual(self.env.cr.fetchone(), written)
        self.assertEqual(
            self._events(self.customer).mapped("to_state").count("anonymized"), 1
        )

    def test_nobody_is_anonymized_before_the_date(self):
        """Retired the day before its disposal date, archived the day before,
        retiring or at risk: nothing is erased."""
        retired, archived, retiring, at_risk = self._create_customers(
            4, prefix="Not yet"
        )
        for partner in (retired, archived):
            self._due(partner, days_past=-1)
        archived.with_user(self.manager).offboarding_archive()
        self._move(retiring, "retiring")
        self._move(at_risk, "at_risk")
        self._cases(retiring).sudo().write({"end_date": "2001-01-01"})
        partners = retired | archived | retiring | at_risk
        snapshot = self._snapshot(partners)
        self._dispose()
        self.assertEqual(self._snapshot(partners), snapshot)

    def test_an_archived_customer_is_anonymized_on_its_date(self):
        self._due(self.other)
        self.other.with_user(self.manager).offboarding_archive()
        self._dispose()
        self.assertEqual(self._states(self.other), {"anonymized"})
        self.assertEqual(self._events(self.other)[-1].from_state, "archived")

    # ------------------------------------------------------------------
    # Legal hold
    # ------------------------------------------------------------------

    def test_a_hold_survives_a_reactivation_and_needs_an_open_case(self):
        case = self._due(self.customer)
        case.with_user(self.manager).write(
            {"legal_hold": True, "legal_hold_note": "Court order 12/2026"}
        )
        self.customer.with_user(self.manager).offboarding_reactivate()
        with self.assertRaisesRegex(UserError, "open case"):
            case.with_user(self.manager).legal_hold = True
        self._due(self.customer)
        self._dispose()
        self.assertEqual(self._states(self.customer), {"retired"})
        case.with_user(self.manager).legal_hold = False  # released on the old case
        self._dispose()
        self.assertEqual(self._states(self.customer), {"anonymized"})

    def test_a_held_case_is_never_anonymized_until_released(self):
        case = self._due(self.customer)
        with self.assertRaises(AccessError):
            case.with_user(self.user).write({"legal_hold": True})
        case.with_user(self.manager).with_context(tracking_disable=False).write(
            {"legal_hold": True, "legal_hold_note": "Tax audit 2026"}
        )
        self.env.cr.precommit.run()  # Odoo writes tracking before a commit
        tracked = case.message_ids.tracking_value_ids.mapped("field_id.name")
        self.assertIn("legal_hold", tracked)
        snapshot = self._snapshot(self.customer)
        self._dispose()
        self.assertEqual(self._snapshot(self.customer), snapshot)
        with self.assertRaisesRegex(UserError, "legal hold"):
            self.customer.with_user(self.manager).offboarding_anonymize()
        self.assertEqual(self._snapshot(self.customer), snapshot)
        case.with_user(self.manager).legal_hold = False
        self._dispose()
        self.assertEqual(case.state, "anonymized")

    # ------------------------------------------------------------------
    # Reactivation
    # ------------------------------------------------------------------

    def test_reactivation_before_the_date_cancels_disposal_after_it_is_refused(self):
        case = self._due(self.customer)
        self.customer.with_user(self.manager).offboarding_reactivate()
        self._dispose()
        self.assertEqual(case.state, "reactivated")
        self.assertEqual(self.customer.email, "boss@customer.example.com")
        # Retired again and disposed: nothing brings it back.
        self._due(self.customer)
        self._dispose()
        self.assertEqual(self._states(self.customer), {"anonymized"})
        snapshot = self._snapshot(self.customer)
        with self.assertRaisesRegex(UserError, "Anonymized"):
            self.customer.with_user(self.manager).offboarding_reactivate()
        # Odoo's Unarchive writes, then the addon refuses: the request's
        # transaction (here a savepoint) is rolled back.
        with (
            self.assertRaisesRegex(UserError, "anonymized"),
            self.env.cr.savepoint(),
        ):
            self.customer.with_user(self.manager).action_unarchive()
        self.assertEqual(self._snapshot(self.customer), snapshot)
        self.assertFalse(
            self.env["customer.reactivation.request"]
            .sudo()
            ._submit(self._cases(self.customer).filtered("anonymized_date"), "customer")
        )

    # ------------------------------------------------------------------
    # Anonymize now (a manager)
    # ------------------------------------------------------------------

    def test_a_manager_anonymizes_now_before_the_date(self):
        self._move(self.other, "retired")
        self.other.with_user(self.manager).offboarding_anonymize(
            note="Erasure request of 1 Dec"
        )
        event = self._events(self.other)[-1]
        self.assertEqual(
            (event.to_state, event.origin, event.note, event.user_id),
            ("anonymized", "manual", "Erasure request of 1 Dec", self.manager),
        )
        self.assertEqual(self.other.name, f"Anonymized #{self.other.id}")

    def test_refusals_write_nothing(self):
        active, retiring = self._create_customers(2, prefix="Refused")
        self._move(retiring, "retiring")
        self._move(self.customer, "retired")
        cases = (
            (active, self.manager, UserError, "Active"),
            (retiring, self.manager, UserError, "Retiring"),
            (self.customer, self.user, AccessError, "managers"),
            # before the announced date, only with the reason
            (self.customer, self.manager, UserError, "needs the reason"),
        )
        for partner, user, error, text in cases:
            with self.subTest(partner=partner.name):
                snapshot = self._snapshot(partner)
                with self.assertRaisesRegex(error, text):
                    partner.with_user(user).offboarding_anonymize()
                self.assertEqual(self._snapshot(partner), snapshot)

    def test_contacts_of_an_anonymized_customer_stay_archived(self):
        self._due(self.customer)
        self._dispose()
        with (
            self.assertRaisesRegex(UserError, "anonymized"),
            self.env.cr.savepoint(),
        ):
            self.contact.with_user(self.manager).action_unarchive()
        self.assertFalse(self.contact.active)

    def test_a_customer_given_a_parent_is_left_to_its_parent(self):
        """A retired customer since made the contact of another company is
        neither erased nor marked: its new company's offboarding decides."""
        self._due(self.other)
        self.other.write({"is_company": False, "parent_id": self.customers[2].id})
        self._dispose()
        self.assertEqual(self.other.name, "Offboarding Customer 1")
        self.assertFalse(
            self._events(self.other).filtered(lambda e: e.to_state == "anonymized")
        )

    def test_a_customer_linked_to_an_internal_user_is_kept(self):
        """Internal users' partners (archived contacts included) are never
        anonymized: by hand refused, on the date skipped."""
        employee = new_test_user(self.env, login="disposal_employee")
        employee.partner_id.parent_id = self.other
        employee.action_archive()
        self._due(self.other)
        snapshot = self._snapshot(self.other)
        with self.assertRaisesRegex(UserError, "internal user"):
            self.other.with_user(self.manager).offboarding_anonymize()
        self._dispose()
        self.assertEqual(self._snapshot(self.other), snapshot)

    def test_the_wizard_anonymizes_from_the_partner_form(self):
        """As the web client does: the button's action, the wizard's
        onchange with its view, then Confirm."""
        self._move(self.other, "archived")
        action = self.other.with_user(self.manager).action_offboarding_anonymize()
        wizard_model = self.env[action["res_model"]].with_user(self.manager)
        with Form(wizard_model.with_context(**action["context"])) as form:
            self.assertEqual(form.operation, "anonymize")
            form.note = "Customer asked"
        form.record.action_confirm()
        self.assertEqual(self._states(self.other), {"anonymized"})


@tagged("post_install", "-at_install")
class TestDisposalShared(OffboardingCommon):
    """A shared partner waits until every company is past its own date."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "Disposal Company B"})
        (cls.company | cls.company_b).offboarding_retention_days = 30
        cls.manager.write({"company_ids": [Command.link(cls.company_b.id)]})
        cls.manager_b = new_test_user(
            cls.env,
            login="disposal_manager_b",
            groups=MANAGER_GROUPS,
            company_id=cls.company_b.id,
            company_ids=[cls.company_b.id],
        )
        cls.shared = cls._create_customers(
            1, prefix="Shared", company_id=False, email="s@example.com"
        )

    def _retire_in(self, company, user, days_past):
        partner = self.shared.with_user(user).with_context(
            allowed_company_ids=[company.id]
        )
        partner.offboarding_retire(reason_code="low_value")
        case = self.env["customer.offboarding.case"].search(
            [("partner_id", "=", self.shared.id), ("company_id", "=", company.id)]
        )
        end = fields.Date.today() - timedelta(days=30 + days_past)
        case.sudo().write({"end_date": end})
        return case

    def test_another_company_serving_it_keeps_it(self):
        self._retire_in(self.company, self.manager, 1)
        run_disposal(self.env)
        self.assertEqual(self.shared.email, "s@example.com")
        with self.assertRaisesRegex(UserError, "Disposal Company B still serves"):
            self.shared.with_user(self.manager).offboarding_anonymize()

    def test_it_waits_for_the_latest_date_then_closes_both_cases(self):
        case_a = self._retire_in(self.company, self.manager, 10)
        case_b = self._retire_in(self.company_b, self.manager_b, -5)
        run_disposal(self.env)
        self.assertEqual(self.shared.email, "s@example.com")
        with self.assertRaisesRegex(UserError, "Disposal Company B keeps"):
            self.shared.with_user(self.manager).offboarding_anonymize()
        case_b.sudo().write({"end_date": fields.Date.today() - timedelta(days=30)})
        run_disposal(self.env)
        self.assertFalse(self.shared.with_context(active_test=False).email)
        for case in (case_a, case_b):
            self.assertEqual(case.state, "anonymized")
            self.assertEqual(
                case.event_ids.filtered(lambda e: e.to_state == "anonymized").origin,
                "disposal",
            )


@tagged("post_install", "-at_install")
class TestDisposalCron(OffboardingCommon):
    """Batches, progress and a failure in the middle of one."""

    def setUp(self):
        super().setUp()
        self.company.offboarding_retention_days = 0
        self.due = self._create_customers(5, prefix="Batch", email="b@example.com")
        self._move(self.due, "retired")
        self.env["customer.offboarding.case"].search(
            [("partner_id", "in", self.due.ids)]
        ).sudo().write({"end_date": "2020-01-01"})

    def test_batches_report_progress_and_resume_after_the_deadline(self):
        """A call stops at its deadline after a batch, saying more may follow;
        the next call resumes after it; once gone through, a company waits for
        the next day (a third call the same day does nothing)."""
        calls = []
        due = self.env["customer.offboarding.disposal"]._due_ids(fields.Date.today())
        total = len(due)
        self.assertGreaterEqual(total, 5)
        with (
            patch.object(disposal_module, "DISPOSAL_BATCH", 2),
            self._record_progress(calls),
            patch.object(scheduler, "deadline", lambda env, xmlid: time.monotonic()),
        ):
            self.env["customer.offboarding.case"]._cron_dispose()
        # Two done; the batch came back full: more may follow.
        self.assertEqual(calls, [(2, 2)])
        self.assertEqual(
            len(
                self.env["customer.offboarding.disposal"]._due_ids(fields.Date.today())
            ),
            total - 2,
        )
        with (
            patch.object(disposal_module, "DISPOSAL_BATCH", 2),
            self._record_progress(calls),
        ):
            self.env["customer.offboarding.case"]._cron_dispose()
        self.assertEqual(calls[-1][1], 0)
        self.assertTrue(all(done > 0 for done, _left in calls))
        self.assertEqual(self._states(self.due), {"anonymized"})
        self.assertFalse(
            self.env["customer.offboarding.disposal"]._due_ids(fields.Date.today())
        )
        events = self.env["customer.offboarding.event"].search_count([])
        self.env["customer.offboarding.case"]._cron_dispose()
        self.assertEqual(
            self.env["customer.offboarding.event"].search_count([]), events
        )

    def test_a_failure_mid_batch_leaves_no_partial_customer_and_resumes(self):
        Disposal = type(self.env["customer.offboarding.disposal"])
        with (
            patch.object(Disposal, "_erase_users", side_effect=Killed()),
            self.assertRaises(Killed),
            self.env.cr.savepoint(),
        ):
            self.env["customer.offboarding.case"]._cron_dispose()
        self.env.invalidate_all()
        # Rolled back whole: messages, names and states as before.
        self.assertEqual(set(self.due.mapped("email")), {"b@example.com"})
        self.assertEqual(self._states(self.due), {"retired"})
        self.env["customer.offboarding.case"]._cron_dispose()
        self.assertEqual(self._states(self.due), {"anonymized"})
        self.assertEqual(
            self._events(self.due)
            .filtered(lambda e: e.to_state == "anonymized")
            .mapped("partner_id"),
            self.due,
        )

    def test_a_customer_that_fails_is_left_and_the_others_done(self):
        Disposal = type(self.env["customer.offboarding.disposal"])
        erase = Disposal._erase_partners
        broken = self.due[2]

        def erase_partners(disposal, scope):
            if broken.id in scope["customers"]:
                raise ValueError("a constraint of another module")
            return erase(disposal, scope)

        with (
            patch.object(Disposal, "_erase_partners", erase_partners),
            self.assertLogs(disposal_module.__name__, "ERROR"),
        ):
            self.env["customer.offboarding.case"]._cron_dispose()
        self.assertEqual(self._states(broken), {"retired"})
        self.assertEqual(broken.email, "b@example.com")
        self.assertEqual(self._states(self.due - broken), {"anonymized"})

    def test_batches_fit_the_call_budget(self):
        """1,000 customers a batch with Odoo's default limit (a call may work
        1.5 s); fewer under a short limit, never fewer than 50."""
        Disposal = self.env["customer.offboarding.disposal"]
        for budget, size in ((60.0, 1000), (1.5, 1000), (0.25, 166), (0.01, 50)):
            with (
                self.subTest(budget=budget),
                patch.object(scheduler, "time_budget", lambda b=budget: b),
            ):
                self.assertEqual(Disposal._batch_size(), size)

    def test_the_cron_is_active_daily_at_its_own_hour(self):
        cron = self.env.ref(CRON)
        self.assertTrue(cron.active)
        self.assertEqual((cron.interval_number, cron.interval_type), (1, "days"))
