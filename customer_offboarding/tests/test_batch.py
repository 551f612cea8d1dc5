from odoo.tests import tagged

from ..const import OPERATIONS
from .common import OffboardingCommon

SOURCE_FOR = {
    "flag": "active",
    "start": "at_risk",
    "retire": "retiring",
    "archive": "retired",
    "reactivate": "archived",
    "cancel": "at_risk",
    "anonymize": "archived",
}


@tagged("post_install", "-at_install")
class TestBatch(OffboardingCommon):
    def _customers_with_contacts(self, count, prefix):
        customers = self._create_customers(count, prefix=prefix)
        self.env["res.partner"].create(
            [{"name": f"{c.name} contact", "parent_id": c.id} for c in customers]
        )
        return customers

    def _query_count(self, partners, operation):
        partners = partners.with_user(self.manager)
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        if operation in ("flag", "start"):
            getattr(partners, f"offboarding_{operation}")("inactivity")
        elif operation == "anonymize":
            partners.offboarding_anonymize(note="Erasure request")
        else:
            getattr(partners, f"offboarding_{operation}")()
        self.env.flush_all()
        return self.env.cr.sql_log_count - before

    def test_query_count_does_not_grow_with_the_batch(self):
        """The query count of every operation does not grow per partner.

        Odoo's ORM writes rows in chunks of 100 (INSERT_BATCH_SIZE /
        UPDATE_BATCH_SIZE),
        so 120 and 150 partners (and their 240 and 300 contacts) must cost exactly
        the same, and 20 → 200 may only add those chunk statements, never 180.
        """
        for operation in OPERATIONS:
            with self.subTest(operation=operation):
                counts = {}
                for size in (5, 20, 120, 150, 200):  # 5 warms the caches
                    partners = self._customers_with_contacts(
                        size, f"{operation}-{size}"
                    )
                    self._move(partners, SOURCE_FOR[operation])
                    counts[size] = self._query_count(partners, operation)
                    target = OPERATIONS[operation].target
                    self.assertEqual(self._states(partners), {target})
                    moved = self._events(partners).filtered(
                        lambda e, t=target: e.to_state == t
                    )
                    self.assertEqual(len(moved), size)
                self.assertEqual(counts[120], counts[150], f"{operation}: {counts}")
                self.assertLessEqual(
                    counts[200] - counts[20], 8, f"{operation}: {counts}"
                )
