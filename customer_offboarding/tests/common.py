from unittest.mock import patch

from odoo.tests import TransactionCase, new_test_user

from ..const import PARTNER_STATES

MANAGER_GROUPS = (
    "base.group_user,base.group_partner_manager,"
    "customer_offboarding.group_offboarding_manager"
)
USER_GROUPS = (
    "base.group_user,base.group_partner_manager,"
    "customer_offboarding.group_offboarding_user"
)


class OffboardingCommon(TransactionCase):
    """Users of each offboarding group and a few customers with contacts."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(
            context=dict(cls.env.context, tracking_disable=True, no_reset_password=True)
        )
        cls.company = cls.env.company
        cls.manager = new_test_user(
            cls.env, login="offb_manager", groups=MANAGER_GROUPS
        )
        cls.user = new_test_user(cls.env, login="offb_user", groups=USER_GROUPS)
        cls.plain_user = new_test_user(
            cls.env,
            login="offb_plain",
            groups="base.group_user,base.group_partner_manager",
        )
        cls.customers = cls._create_customers(3)
        cls.customer = cls.customers[0]
        cls.contact = cls.env["res.partner"].create(
            {
                "name": "Ann Contact",
                "parent_id": cls.customer.id,
                "email": "ann@example.com",
            }
        )
        cls.state_labels = dict(PARTNER_STATES)

    @classmethod
    def _create_customers(cls, count, prefix="Offboarding Customer", **values):
        values.setdefault("company_id", cls.env.company.id)
        return cls.env["res.partner"].create(
            [
                {"name": f"{prefix} {index}", "is_company": True, **values}
                for index in range(count)
            ]
        )

    def _states(self, partners, company=None):
        env = partners.with_company(company or self.company).with_context(
            active_test=False
        )
        return set(env.mapped("offboarding_state"))

    def _record_progress(self, progress):
        """Patch the scheduler's progress report to append (done, remaining)."""
        return patch.object(
            type(self.env["ir.cron"]),
            "_notify_progress",
            lambda cron, done, remaining, deactivate=False: progress.append(
                (done, remaining)
            ),
        )

    def _events(self, partners):
        return self.env["customer.offboarding.event"].search(
            [("partner_id", "in", partners.ids)], order="id"
        )

    @classmethod
    def _move(cls, partners, state):
        """Bring active partners to ``state`` by legal transitions, as a manager."""
        partners = partners.with_user(cls.manager)
        if state in ("at_risk", "retiring"):
            partners.offboarding_flag("inactivity")
        if state == "retiring":
            partners.offboarding_start("inactivity")
        if state in ("retired", "archived", "anonymized"):
            partners.offboarding_retire(reason_code="low_value")
        if state == "archived":
            partners.offboarding_archive()
        if state == "anonymized":
            partners.offboarding_anonymize(note="The customer asked for the erasure")
