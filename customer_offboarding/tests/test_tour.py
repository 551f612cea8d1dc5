"""Browser tours: the offboarding status in the Contacts app, as a user sees it.

These tests need Chromium (or Chrome) and the websocket-client package, and an
HTTP server: with pytest-odoo, pass ``--odoo-http``. Without them Odoo skips
the tests (and says why).
"""

from odoo import Command
from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestOffboardingTour(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.env.ref("base.user_admin")
        cls.company = cls.admin.company_id
        cls.Partner = cls.env["res.partner"].with_context(
            tracking_disable=True, no_reset_password=True
        )

    def _customer(self, name, **values):
        return self.Partner.create({"name": name, "is_company": True, **values})

    def _state(self, partner, company=None):
        return partner.with_company(company or self.company).offboarding_state

    def test_filter_group_and_flag_in_contacts(self):
        """Filter, group by status, read the status bar and flag in the UI."""
        retired = self._customer("Tour Retired Ltd", company_id=self.company.id)
        at_risk = self._customer("Tour Risk Ltd", company_id=self.company.id)
        active = self._customer("Tour Active Ltd", company_id=self.company.id)
        # The public lifecycle API, as admin (an offboarding manager).
        at_risk.with_user(self.admin).offboarding_flag("inactivity")
        retired.with_user(self.admin).offboarding_retire(reason_code="low_value")
        self.assertEqual(
            [self._state(p) for p in retired + at_risk + active],
            ["retired", "at_risk", "active"],
        )

        self.start_tour("/odoo/contacts", "customer_offboarding_tour", login="admin")

        # The tour flagged the active customer through the button and its wizard.
        self.assertEqual(self._state(active), "at_risk")
        event = self.env["customer.offboarding.event"].search(
            [("partner_id", "=", active.id)]
        )
        self.assertRecordValues(
            event,
            [
                {
                    "from_state": "active",
                    "to_state": "at_risk",
                    "user_id": self.admin.id,
                    "company_id": self.company.id,
                }
            ],
        )
        self.assertEqual(event.reason_id.code, "inactivity")
        self.assertEqual(
            [self._state(p) for p in retired + at_risk],
            ["retired", "at_risk"],
        )

    def test_status_is_per_company_in_the_ui(self):
        """A shared partner shows each company's own status after switching."""
        other = self.env["res.company"].create({"name": "Tour Company B"})
        self.admin.write({"company_ids": [Command.link(other.id)]})
        shared = self._customer("Tour Shared Ltd", company_id=False)
        shared.with_user(self.admin).with_company(self.company).offboarding_retire(
            reason_code="low_value"
        )
        self.assertEqual(self._state(shared), "retired")
        self.assertEqual(self._state(shared, other), "active")

        self.start_tour(
            f"/odoo/contacts/{shared.id}",
            "customer_offboarding_company_tour",
            login="admin",
        )

    def test_reactivation_request_and_notice_approval_in_the_ui(self):
        """Approve a customer's request from the kanban and a notice from its list."""
        comeback = self._customer(
            "Tour Comeback Ltd",
            company_id=self.company.id,
            email="comeback@example.com",
            offboarding_tier_override="mid",
        )
        comeback.with_user(self.admin).offboarding_retire(reason_code="low_value")
        case = comeback.with_company(self.company).offboarding_case_id
        case._portal_request_stay("We are growing again")
        vip = self._customer(
            "Tour VIP Ltd",
            company_id=self.company.id,
            email="vip@example.com",
            offboarding_tier_override="high",
        )
        vip.with_user(self.admin).offboarding_start("low_value")
        notice = vip.with_company(self.company).offboarding_case_id.notice_ids
        self.assertEqual(notice.state, "to_approve")

        self.start_tour(
            "/odoo/action-customer_offboarding.customer_reactivation_request_action",
            "customer_offboarding_request_tour",
            login="admin",
        )

        self.assertEqual(self._state(comeback), "active")
        self.assertEqual(case.state, "reactivated")
        self.assertEqual(case.request_ids.state, "approved")
        self.assertEqual(notice.state, "queued")
        self.assertTrue(notice.mail_id)
