import base64
import io

import openpyxl

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import OffboardingCommon


@tagged("post_install", "-at_install")
class TestTierOverride(OffboardingCommon):
    def test_manual_override_wins_and_is_tracked(self):
        # Tracking runs at commit: start from a clean pre-commit queue (the
        # set-up wrote with tracking disabled) and run it by hand.
        self.env.cr.precommit.run()
        partner = self.customer.with_context(tracking_disable=False)
        partner.offboarding_tier_override = "high"
        self.assertEqual(partner.offboarding_tier, "high")
        self.env.flush_all()
        self.env.cr.precommit.run()  # tracking values are written at commit
        tracking = partner.message_ids.tracking_value_ids.filtered(
            lambda t: t.field_id.name == "offboarding_tier_override"
        )
        self.assertEqual(tracking.new_value_char, "High")

    def test_override_is_per_company(self):
        other = self.env["res.company"].create({"name": "Tier Co B"})
        shared = self.env["res.partner"].create({"name": "Shared Tier Ltd"})
        shared.offboarding_tier_override = "low"
        self.assertEqual(shared.offboarding_tier, "low")
        self.assertFalse(shared.with_company(other).offboarding_tier)

    def test_recomputing_keeps_the_override(self):
        """Recompute Value Tier on a customer with an override keeps its tier."""
        self.customer.offboarding_tier_override = "high"
        self.customer.with_user(self.user).action_offboarding_compute_tier()
        self.assertEqual(self.customer.offboarding_tier, "high")

    def test_clearing_the_override_without_invoicing_leaves_no_tier(self):
        """Without an app that records revenue, tiers are manual only."""
        self.customer.offboarding_tier_override = "high"
        self.customer.offboarding_tier_override = False
        self.assertFalse(self.customer.offboarding_tier)

    def test_unset_tier_is_told_as_mid(self):
        self.assertEqual(self.company._offboarding_mode(False), "standard")


@tagged("post_install", "-at_install")
class TestInternalExport(OffboardingCommon):
    def _read(self, action):
        wizard_id = int(action["url"].split("/")[4])
        wizard = self.env["customer.offboarding.export"].browse(wizard_id)
        book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(wizard.file)))
        return list(book.active.iter_rows(values_only=True))

    def test_managers_export_the_selection_with_offboarding_columns(self):
        self.customers[1].offboarding_tier_override = "mid"
        self._move(self.customers[1], "retiring")
        Export = self.env["customer.offboarding.export"].with_user(self.manager)
        action = Export.action_export_partners(self.customers[:2].ids)
        self.assertEqual(action["type"], "ir.actions.act_url")
        rows = self._read(action)
        header = rows[0]
        for column in (
            "Offboarding Status",
            "Reason",
            "Value Tier",
            "Service End Date",
            "Owner",
            "Last Activity",
        ):
            self.assertIn(column, header)
        by_name = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
        retiring = by_name[self.customers[1].name]
        self.assertEqual(retiring["Offboarding Status"], "Retiring")
        self.assertEqual(retiring["Value Tier"], "Mid")
        self.assertEqual(retiring["Reason"], "Inactive customer")
        self.assertIsNotNone(retiring["Service End Date"])
        self.assertEqual(
            by_name[self.customers[0].name]["Offboarding Status"], "Active"
        )
        cases = self.customers[1].with_company(self.company).offboarding_case_id
        rows = self._read(Export.action_export_cases(cases.ids))
        self.assertEqual([row[0] for row in rows[1:]], [self.customers[1].name])

    def test_only_managers_export(self):
        with self.assertRaises(AccessError):
            self.env["customer.offboarding.export"].with_user(
                self.user
            ).action_export_partners(self.customers.ids)
