from odoo.tests import tagged

from .common import OffboardingCommon


@tagged("post_install", "-at_install")
class TestNativeArchive(OffboardingCommon):
    def test_odoo_archive_action_walks_the_legal_path_to_archived(self):
        """Odoo's Archive action on a customer being offboarded records Retired
        then Archived, with its own origin; a contact nobody offboards is
        archived as Odoo does, with no status, case or event."""
        self._move(self.customers[1], "at_risk")
        partners = self.customers[:2]
        partners.with_user(self.manager).action_archive()
        self.assertFalse(any(partners.with_context(active_test=False).mapped("active")))
        self.assertEqual(self._states(partners[1]), {"archived"})
        self.assertEqual(self._states(partners[0]), {"active"})
        self.assertFalse(self._events(partners[0]))
        events = self._events(partners[1])
        self.assertEqual(set(events.mapped("origin")) - {"manual"}, {"odoo_archive"})
        self.assertEqual(
            [(e.from_state, e.to_state) for e in events],
            [("active", "at_risk"), ("at_risk", "retired"), ("retired", "archived")],
        )

    def test_odoo_unarchive_action_reactivates(self):
        """Odoo's Unarchive action reactivates a customer offboarding archived."""
        self._move(self.customer, "archived")
        case = self.customer.with_context(active_test=False).offboarding_case_id
        self.customer.with_user(self.manager).action_unarchive()
        self.assertEqual(self._states(self.customer), {"active"})
        self.assertEqual(case.state, "reactivated")
        self.assertTrue(self.contact.active)

    def test_archiving_a_contact_alone_changes_no_status(self):
        """Archiving one contact of a company is not an offboarding."""
        self.contact.action_archive()
        self.assertEqual(self._states(self.customer | self.contact), {"active"})
        self.assertFalse(self._events(self.customer))
