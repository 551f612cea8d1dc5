from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import OffboardingCommon


@tagged("post_install", "-at_install")
class TestSecurity(OffboardingCommon):
    def test_plain_internal_user_gets_access_error_from_every_method(self):
        """Users outside the offboarding groups cannot change any status."""
        partner = self.customer.with_user(self.plain_user)
        calls = {
            "flag": lambda: partner.offboarding_flag("inactivity"),
            "start": lambda: partner.offboarding_start("inactivity"),
            "retire": lambda: partner.offboarding_retire(),
            "archive": lambda: partner.offboarding_archive(),
            "reactivate": lambda: partner.offboarding_reactivate(),
            "cancel": lambda: partner.offboarding_cancel(),
        }
        for name, call in calls.items():
            with self.subTest(method=name), self.assertRaises(AccessError):
                call()
        self.assertFalse(self._events(self.customer))

    def test_offboarding_user_can_flag_and_cancel_a_flag(self):
        """Users flag customers at risk and call the flag off."""
        partner = self.customer.with_user(self.user)
        partner.offboarding_flag("complaints")
        self.assertEqual(self._states(self.customer), {"at_risk"})
        partner.offboarding_cancel()
        self.assertEqual(self._states(self.customer), {"active"})

    def test_offboarding_user_cannot_act_beyond_flagging(self):
        """Start, retire, archive, reactivate and cancelling a notice need a manager."""
        partner = self.customer.with_user(self.user)
        with self.assertRaises(AccessError):
            partner.offboarding_start("inactivity")
        with self.assertRaises(AccessError):
            partner.offboarding_retire()
        self._move(self.customer, "retiring")
        with self.assertRaises(AccessError):
            partner.offboarding_cancel()
        self._move(self.customers[1], "retired")
        for method in ("offboarding_archive", "offboarding_reactivate"):
            with self.subTest(method=method), self.assertRaises(AccessError):
                getattr(self.customers[1].with_user(self.user), method)()
        self.assertEqual(self._states(self.customer), {"retiring"})
        self.assertEqual(self._states(self.customers[1]), {"retired"})

    def test_events_cannot_be_created_changed_or_deleted_by_users(self):
        """The event ledger is append-only, through the lifecycle methods only."""
        self._move(self.customer, "at_risk")
        event = self._events(self.customer)
        for user in (self.user, self.manager):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    self.env["customer.offboarding.event"].with_user(user).create(
                        {
                            "case_id": event.case_id.id,
                            "from_state": "at_risk",
                            "to_state": "retired",
                            "user_id": user.id,
                        }
                    )
                with self.assertRaises(UserError):
                    event.with_user(user).write({"note": "rewritten"})
                with self.assertRaises(UserError):
                    event.with_user(user).unlink()
        # Not even the superuser rewrites history.
        with self.assertRaises(UserError):
            event.sudo().write({"note": "rewritten"})
        with self.assertRaises(UserError):
            event.sudo().unlink()

    def test_users_read_cases_and_only_managers_edit_notes(self):
        """Users read cases; managers may annotate them; nobody creates them by hand."""
        self._move(self.customer, "at_risk")
        case = self.customer.offboarding_case_id
        self.assertEqual(case.with_user(self.user).state, "at_risk")
        with self.assertRaises(AccessError):
            case.with_user(self.user).write({"note": "mine"})
        case.with_user(self.manager).write({"note": "Called twice"})
        self.assertEqual(case.note, "Called twice")
        with self.assertRaises(AccessError):
            self.env["customer.offboarding.case"].with_user(self.manager).create(
                {"partner_id": self.customers[1].id, "reason_id": case.reason_id.id}
            )

    def test_reasons_are_configured_by_managers_only(self):
        """Managers add reasons; users only read them."""
        Reason = self.env["customer.offboarding.reason"]
        values = {"name": "Merged", "code": "merged", "family": "other"}
        with self.assertRaises(AccessError):
            Reason.with_user(self.user).create(values)
        reason = Reason.with_user(self.manager).create(values)
        self.assertEqual(reason.with_user(self.user).name, "Merged")
        self.customer.with_user(self.user).offboarding_flag("merged")
        self.assertEqual(self.customer.offboarding_case_id.reason_id, reason)
