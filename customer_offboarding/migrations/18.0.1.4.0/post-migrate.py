"""18.0.1.4.0: the three scheduled actions start at different times of the
night (tiers, then rules, then reminders), so that they do not share one
pass of Odoo's scheduler; they are no longer reset by an upgrade. Queued
notices take the state of their mail (sent, failed, cancelled)."""

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL

from odoo.addons.customer_offboarding.hooks import stagger_crons


def migrate(cr, version):
    if not version:
        return
    stagger_crons(api.Environment(cr, SUPERUSER_ID, {}))
    cr.execute(
        SQL(
            """
            UPDATE customer_offboarding_notice n
               SET state = CASE m.state WHEN 'exception' THEN 'failed'
                                        WHEN 'cancel' THEN 'cancelled'
                                        ELSE 'sent' END
              FROM mail_mail m
             WHERE m.id = n.mail_id AND n.state = 'queued'
               AND m.state IN ('sent', 'received', 'exception', 'cancel')
            """
        )
    )
