"""18.0.1.5.0: value tiers have their own service, customer.offboarding.tier;
its scheduled action (no-update data, so not rewritten by the upgrade) now
calls it."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    cron = env.ref("customer_offboarding.ir_cron_compute_tiers", False)
    if cron:
        cron.write(
            {
                "model_id": env["ir.model"]._get_id("customer.offboarding.tier"),
                "code": "model._cron_compute()",
            }
        )
