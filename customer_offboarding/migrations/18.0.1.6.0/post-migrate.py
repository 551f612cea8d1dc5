"""18.0.1.6.0: data disposal. Its scheduled action is new (created by the
upgrade); it starts tomorrow at its own hour, as a new install's does."""

from odoo import SUPERUSER_ID, api

from odoo.addons.customer_offboarding.hooks import stagger_crons


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    stagger_crons(env, ["customer_offboarding.ir_cron_dispose_data"])
