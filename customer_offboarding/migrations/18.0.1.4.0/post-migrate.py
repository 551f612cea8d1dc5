"""18.0.1.4.0: the three scheduled actions start at different times of the
night (tiers, then rules, then reminders), so that they do not share one
pass of Odoo's scheduler; they are no longer reset by an upgrade."""

from odoo import SUPERUSER_ID, api

from odoo.addons.customer_offboarding.hooks import stagger_crons


def migrate(cr, version):
    if not version:
        return
    stagger_crons(api.Environment(cr, SUPERUSER_ID, {}))
