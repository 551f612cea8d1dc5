from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from .common import OffboardingCommon


@tagged("post_install", "-at_install")
class TestContacts(OffboardingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.contact_2 = cls.env["res.partner"].create(
            {"name": "Bob Contact", "parent_id": cls.customer.id}
        )
        cls.old_contact = cls.env["res.partner"].create(
            {"name": "Gone Contact", "parent_id": cls.customer.id, "active": False}
        )

    def test_contacts_show_their_company_status(self):
        """Child contacts carry the status of their commercial partner."""
        self._move(self.customer, "retiring")
        self.assertEqual(self._states(self.contact | self.contact_2), {"retiring"})
        found = self.env["res.partner"].search(
            [("offboarding_state", "=", "retiring"), ("id", "in", self.contact.ids)]
        )
        self.assertEqual(found, self.contact)

    def test_acting_on_a_contact_acts_on_its_company(self):
        """The lifecycle lives on the commercial partner, even called on a contact."""
        self.contact.with_user(self.manager).offboarding_flag("key_contact_left")
        self.assertEqual(self._states(self.customer), {"at_risk"})
        self.assertEqual(self.customer.offboarding_case_id.partner_id, self.customer)
        self.assertEqual(
            self.contact.offboarding_case_id, self.customer.offboarding_case_id
        )

    def test_new_and_moved_contacts_take_the_company_status(self):
        """A contact created under or moved to a retired company shows Retired."""
        self._move(self.customer, "retired")
        new_contact = self.env["res.partner"].create(
            {"name": "New Contact", "parent_id": self.customer.id}
        )
        loose = self.env["res.partner"].create({"name": "Loose"})
        loose.parent_id = self.customer
        self.assertEqual(self._states(new_contact | loose), {"retired"})
        loose.parent_id = False
        self.assertEqual(self._states(loose), {"active"})

    def test_archive_archives_active_contacts_and_reactivation_restores_exactly_those(
        self,
    ):
        """Contacts archived before offboarding stay archived after reactivation."""
        self._move(self.customer, "archived")
        family = self.customer | self.contact | self.contact_2
        self.assertFalse(any(family.mapped("active")))
        case = self.customer.offboarding_case_id
        self.assertEqual(case.archived_partner_ids, self.contact | self.contact_2)
        self.customer.with_user(self.manager).offboarding_reactivate()
        self.assertTrue(all(family.mapped("active")))
        self.assertFalse(self.old_contact.active)
        self.assertEqual(self._states(family), {"active"})

    def test_archive_refuses_a_partner_linked_to_an_internal_user(self):
        """An internal user on the customer or a contact blocks archiving, by name."""
        employee = new_test_user(
            self.env,
            login="offb_employee",
            name="Erin Employee",
            groups="base.group_user",
        )
        employee.partner_id.parent_id = self.customer
        self._move(self.customer, "retired")
        with self.assertRaises(UserError) as error:
            self.customer.with_user(self.manager).offboarding_archive()
        self.assertIn("Erin Employee", str(error.exception))
        self.assertTrue(self.customer.active)
        self.assertEqual(self._states(self.customer), {"retired"})

    def test_portal_users_are_deactivated_and_restored(self):
        """Portal users of an archived customer lose access until reactivation."""
        portal = new_test_user(
            self.env, login="offb_portal", groups="base.group_portal", name="Pat Portal"
        )
        portal.partner_id.parent_id = self.customer
        other_portal = new_test_user(
            self.env, login="offb_portal_2", groups="base.group_portal"
        )
        other_portal.partner_id.parent_id = self.customer
        other_portal.active = False
        self._move(self.customer, "archived")
        self.assertFalse(portal.active)
        self.assertEqual(
            self.customer.with_context(
                active_test=False
            ).offboarding_case_id.archived_user_ids,
            portal,
        )
        self.customer.with_user(self.manager).offboarding_reactivate()
        self.assertTrue(portal.active)
        self.assertTrue(portal.partner_id.active)
        self.assertFalse(other_portal.active)
