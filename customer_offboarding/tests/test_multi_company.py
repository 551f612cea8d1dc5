from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import MANAGER_GROUPS, OffboardingCommon


@tagged("post_install", "-at_install")
class TestMultiCompany(OffboardingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "Offboarding Company B"})
        cls.both = (cls.company | cls.company_b).ids
        cls.manager.write({"company_ids": [(4, cls.company_b.id)]})
        cls.manager_b = new_test_user(
            cls.env,
            login="offb_manager_b",
            groups=MANAGER_GROUPS,
            company_id=cls.company_b.id,
            company_ids=[cls.company_b.id],
        )
        cls.shared = cls._create_customers(4, prefix="Shared", company_id=False)

    def _as(self, user, company, records):
        return records.with_user(user).with_context(allowed_company_ids=[company.id])

    def test_status_is_per_company_for_a_shared_partner(self):
        """A shared partner retired by A stays active for B."""
        self._as(self.manager, self.company, self.shared[0]).offboarding_retire()
        self.assertEqual(self._states(self.shared[0], self.company), {"retired"})
        self.assertEqual(self._states(self.shared[0], self.company_b), {"active"})
        self._as(self.manager_b, self.company_b, self.shared[0]).offboarding_flag(
            "bounced"
        )
        self.assertEqual(self._states(self.shared[0], self.company), {"retired"})
        self.assertEqual(self._states(self.shared[0], self.company_b), {"at_risk"})

    def test_search_filter_and_group_by_follow_the_current_company(self):
        """List-view filtering and grouping read the status of the current company."""
        self._as(self.manager, self.company, self.shared[:2]).offboarding_flag(
            "inactivity"
        )
        self._as(self.manager_b, self.company_b, self.shared[1:3]).offboarding_retire()
        domain = [("id", "in", self.shared.ids)]
        expectations = {
            self.company: {"at_risk": 2, "active": 2},
            self.company_b: {"retired": 2, "active": 2},
        }
        for company, expected in expectations.items():
            Partner = self.env["res.partner"].with_context(
                allowed_company_ids=[company.id]
            )
            with self.subTest(company=company.name):
                groups = Partner.web_read_group(
                    domain, ["offboarding_state"], ["offboarding_state"]
                )["groups"]
                counted = {
                    g["offboarding_state"]: g["offboarding_state_count"] for g in groups
                }
                self.assertEqual(counted, expected)
                for state, count in expected.items():
                    found = Partner.search(domain + [("offboarding_state", "=", state)])
                    self.assertEqual(len(found), count)

    def test_cases_and_events_of_another_company_are_invisible(self):
        """Record rules keep each company's cases and events to itself."""
        self._as(self.manager_b, self.company_b, self.shared[0]).offboarding_flag(
            "inactivity"
        )
        Case = self.env["customer.offboarding.case"]
        Event = self.env["customer.offboarding.event"]
        for model in (Case, Event):
            visible = (
                model.with_user(self.manager)
                .with_context(allowed_company_ids=[self.company.id])
                .search([("partner_id", "=", self.shared[0].id)])
            )
            self.assertFalse(visible)
            visible_b = model.with_user(self.manager_b).search(
                [("partner_id", "=", self.shared[0].id)]
            )
            self.assertEqual(len(visible_b), 1)
        case_b = Case.sudo().search([("partner_id", "=", self.shared[0].id)])
        with self.assertRaises(AccessError):
            case_b.with_user(self.manager).with_context(
                allowed_company_ids=[self.company.id]
            ).read(["state"])

    def test_partner_of_another_company_cannot_be_offboarded_from_this_one(self):
        """A partner owned by company B is offboarded from company B only."""
        owned_b = self._create_customers(
            1, prefix="Owned B", company_id=self.company_b.id
        )
        partner = owned_b.with_user(self.manager).with_context(
            allowed_company_ids=self.both
        )
        with self.assertRaises(UserError):
            partner.offboarding_flag("inactivity")
        self.assertEqual(self._states(owned_b, self.company_b), {"active"})

    def test_shared_partner_is_archived_only_once_every_company_retired_it(self):
        """Archiving a shared partner waits for the other companies; then it works."""
        partner = self.shared[0]
        self._as(self.manager, self.company, partner).offboarding_retire()
        with self.assertRaises(UserError) as error:
            self._as(self.manager, self.company, partner).offboarding_archive()
        self.assertIn(self.company_b.name, str(error.exception))
        self.assertTrue(partner.active)
        self.assertEqual(self._states(partner, self.company), {"retired"})
        self._as(self.manager_b, self.company_b, partner).offboarding_retire()
        self._as(self.manager, self.company, partner).offboarding_archive()
        self.assertFalse(partner.active)
        self.assertEqual(self._states(partner, self.company), {"archived"})
        self.assertEqual(self._states(partner, self.company_b), {"retired"})
