from datetime import date, timedelta

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..const import PARTNER_STATES
from .common import OffboardingCommon

# The README's transition diagram, written out here (not read from const.py):
# operation -> (the statuses it moves from, the status it moves to). Any other
# move is refused.
DIAGRAM = {
    "flag": (("active",), "at_risk"),
    "start": (("active", "at_risk"), "retiring"),
    "retire": (("active", "at_risk", "retiring"), "retired"),
    "archive": (("retired",), "archived"),
    "reactivate": (("retired", "archived"), "active"),
    "cancel": (("at_risk", "retiring"), "active"),
    "anonymize": (("retired", "archived"), "anonymized"),
}

REASON_FAMILIES = {
    "inactivity": "lifecycle",
    "key_contact_left": "lifecycle",
    "no_response": "behaviour",
    "unsubscribed": "behaviour",
    "bounced": "behaviour",
    "complaints": "behaviour",
    "declining_purchases": "behaviour",
    "low_value": "value",
    "high_cost": "value",
    "needs_changed": "demand",
    "company_closure": "closure",
    "customer_request": "request",
    "other": "other",
}


def _call(partners, operation):
    if operation in ("flag", "start"):
        return getattr(partners, f"offboarding_{operation}")("inactivity")
    if operation == "anonymize":
        # Before the disposal date: the reason is required.
        return partners.offboarding_anonymize(note="Erasure request")
    return getattr(partners, f"offboarding_{operation}")()


@tagged("post_install", "-at_install")
class TestLifecycle(OffboardingCommon):
    def test_every_legal_transition_moves_state_and_records_event(self):
        """Each operation from each allowed state lands on its target with one event."""
        for operation, (sources, target) in DIAGRAM.items():
            for source in sources:
                with self.subTest(operation=operation, source=source):
                    partner = self._create_customers(1, prefix=f"{operation}-{source}")
                    self._move(partner, source)
                    before = self._events(partner)
                    _call(partner.with_user(self.manager), operation)
                    self.assertEqual(self._states(partner), {target})
                    new_event = self._events(partner) - before
                    self.assertEqual(len(new_event), 1)
                    self.assertEqual(
                        (new_event.from_state, new_event.to_state), (source, target)
                    )
                    self.assertEqual(new_event.user_id, self.manager)

    def test_every_illegal_transition_raises_naming_both_states(self):
        """An illegal move raises a UserError naming both states and writes nothing."""
        labels = dict(PARTNER_STATES)
        for operation, (sources, target) in DIAGRAM.items():
            for source in {state for state, _label in PARTNER_STATES} - set(sources):
                with self.subTest(operation=operation, source=source):
                    partner = self._create_customers(1, prefix=f"{operation}-{source}")
                    self._move(partner, source)
                    events = self._events(partner)
                    with self.assertRaises(UserError) as error:
                        _call(partner.with_user(self.manager), operation)
                    message = str(error.exception)
                    self.assertIn(labels[source], message)
                    self.assertIn(labels[target], message)
                    self.assertEqual(self._states(partner), {source})
                    self.assertEqual(self._events(partner), events)

    def test_mixed_batch_with_one_illegal_partner_writes_nothing(self):
        """One illegal partner in a batch refuses the whole batch."""
        partners = self._create_customers(3, prefix="Mixed")
        self._move(partners[0], "retired")
        with self.assertRaises(UserError):
            partners.with_user(self.manager).offboarding_flag("inactivity")
        self.assertEqual(self._states(partners[1:]), {"active"})
        self.assertFalse(self._events(partners[1:]))

    def test_flag_opens_case_with_reason_tier_and_owner(self):
        """Flagging opens one case holding reason, tier, owner and date."""
        self.customer.write({"offboarding_tier": "high", "user_id": self.manager.id})
        self.customer.with_user(self.user).offboarding_flag(
            "no_response", note="3 mails"
        )
        case = self.customer.offboarding_case_id
        self.assertEqual(case.state, "at_risk")
        self.assertEqual(
            case.reason_id, self.env.ref("customer_offboarding.reason_no_response")
        )
        self.assertEqual(case.tier, "high")
        self.assertEqual(case.user_id, self.manager)
        self.assertEqual(case.company_id, self.company)
        self.assertEqual(case.event_ids.note, "3 mails")

    @freeze_time("2026-03-01")
    def test_start_defaults_end_date_to_notice_period(self):
        """Without an end date the notice period of the company applies."""
        self.company.offboarding_notice_days = 45
        self.customer.with_user(self.manager).offboarding_start("low_value")
        case = self.customer.offboarding_case_id
        self.assertEqual(case.notice_date, date(2026, 3, 1))
        self.assertEqual(case.end_date, date(2026, 4, 15))
        self.assertEqual(self.customer.offboarding_end_date, date(2026, 4, 15))

    @freeze_time("2026-03-01")
    def test_start_accepts_given_end_date(self):
        """A given end date (date or ISO string) is kept."""
        self.customer.with_user(self.manager).offboarding_start(
            "low_value", end_date="2026-06-30"
        )
        self.assertEqual(self.customer.offboarding_case_id.end_date, date(2026, 6, 30))

    @freeze_time("2026-03-01")
    def test_start_rejects_bad_end_dates(self):
        """A past or malformed end date is refused and nothing is written."""
        for bad in ("2026-02-28", "next week", 42):
            with self.subTest(end_date=bad), self.assertRaises(UserError):
                self.customer.with_user(self.manager).offboarding_start(
                    "low_value", end_date=bad
                )
        self.assertEqual(self._states(self.customer), {"active"})
        self.assertFalse(self.customer.offboarding_case_id)

    def test_bad_reason_and_note_are_refused(self):
        """Unknown reason codes and non-text notes raise and write nothing."""
        partner = self.customer.with_user(self.manager)
        for args, kwargs in (
            (("no_such_reason",), {}),
            ((None,), {}),
            (([1, 2],), {}),
            (("inactivity",), {"note": {"x": 1}}),
        ):
            with self.subTest(args=args, kwargs=kwargs), self.assertRaises(UserError):
                partner.offboarding_flag(*args, **kwargs)
        self.assertFalse(self._events(self.customer))

    def test_retire_keeps_the_case_reason(self):
        """Retiring a partner in notice keeps the reason it was given."""
        self._move(self.customer, "retiring")
        self.customer.with_user(self.manager).offboarding_retire()
        self.assertEqual(
            self.customer.offboarding_case_id.reason_id,
            self.env.ref("customer_offboarding.reason_inactivity"),
        )

    def test_retire_from_active_without_reason_uses_other(self):
        """A direct retirement without a reason records the reason 'other'."""
        self.customer.with_user(self.manager).offboarding_retire()
        self.assertEqual(
            self.customer.offboarding_case_id.reason_id,
            self.env.ref("customer_offboarding.reason_other"),
        )

    def test_cancel_and_reactivate_close_the_case_and_a_new_cycle_opens_a_new_one(self):
        """Closing states are kept on the case; the next flag opens a new case."""
        self._move(self.customer, "at_risk")
        first = self.customer.offboarding_case_id
        self.customer.with_user(self.manager).offboarding_cancel()
        self.assertEqual(first.state, "cancelled")
        self.assertTrue(first.closed_date)
        self.assertFalse(self.customer.offboarding_case_id)
        self._move(self.customer, "retired")
        second = self.customer.offboarding_case_id
        self.assertNotEqual(first, second)
        self.customer.with_user(self.manager).offboarding_reactivate(note="Came back")
        self.assertEqual(second.state, "reactivated")
        self.assertEqual(self._states(self.customer), {"active"})

    def test_database_allows_one_open_case_per_partner_and_company(self):
        """PostgreSQL refuses a second open case for one partner and company."""
        self._move(self.customer, "at_risk")
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            self.env["customer.offboarding.case"].create(
                {
                    "partner_id": self.customer.id,
                    "reason_id": self.env.ref("customer_offboarding.reason_other").id,
                }
            )
            self.env.flush_all()

    def test_database_records_each_transition_once_per_case(self):
        """The ledger key (case, to_state) makes a replayed transition fail."""
        self._move(self.customer, "at_risk")
        event = self._events(self.customer)
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            self.env["customer.offboarding.event"].create(
                {
                    "case_id": event.case_id.id,
                    "from_state": "active",
                    "to_state": "at_risk",
                    "user_id": self.env.uid,
                }
            )
            self.env.flush_all()

    def test_transition_logs_on_partner_chatter_and_case_events(self):
        """Each transition leaves a note on the partner and an event on the case."""
        self.customer.with_user(self.manager).offboarding_flag(
            "bounced", note="Bounces"
        )
        bodies = self.customer.message_ids.mapped("body")
        self.assertTrue(
            any("At Risk" in body and "Bounces" in body for body in bodies), bodies
        )
        event = self.customer.offboarding_case_id.event_ids
        self.assertEqual((event.to_state, event.note), ("at_risk", "Bounces"))

    def test_contract_reasons_exist_with_their_family(self):
        """The 13 reason codes of the contract ship with their family and wording."""
        for code, family in REASON_FAMILIES.items():
            reason = self.env.ref(f"customer_offboarding.reason_{code}")
            self.assertEqual((reason.code, reason.family), (code, family))
            self.assertTrue(reason.customer_wording)

    def test_wizard_applies_the_chosen_transition(self):
        """The transition wizard calls the same public methods."""
        end_date = date.today() + timedelta(days=60)
        wizard = (
            self.env["customer.offboarding.transition"]
            .with_user(self.manager)
            .create(
                {
                    "operation": "start",
                    "partner_ids": [(6, 0, self.customers.ids)],
                    "reason_id": self.env.ref(
                        "customer_offboarding.reason_low_value"
                    ).id,
                    "end_date": end_date,
                    "note": "Wizard",
                }
            )
        )
        wizard.action_confirm()
        self.assertEqual(self._states(self.customers), {"retiring"})
        self.assertEqual(
            set(self.customers.offboarding_case_id.mapped("end_date")),
            {end_date},
        )

    def test_status_field_cannot_be_written_directly(self):
        """Writing the status bypassing the lifecycle is refused."""
        with self.assertRaises(UserError):
            self.customer.write({"offboarding_state": "retired"})
        with self.assertRaises(UserError):
            self.env["res.partner"].create(
                {"name": "X", "offboarding_state": "retired"}
            )
        self.assertEqual(self._states(self.customer), {"active"})
