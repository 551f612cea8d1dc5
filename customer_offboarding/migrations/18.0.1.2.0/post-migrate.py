"""18.0.1.2.0: less written per offboarded customer.

Ledger events read their customer and company through the case: the two
columns repeated the case's values on every event; the fields are now related
(not stored), so the columns, their foreign keys and the partner index go.
Nothing is lost: every event keeps its case. The case status is no longer
indexed (Odoo keeps an index it no longer expects, so it is dropped here).
"""

from odoo.tools import SQL


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        SQL(
            """
            ALTER TABLE customer_offboarding_event
                DROP COLUMN IF EXISTS partner_id,
                DROP COLUMN IF EXISTS company_id
            """
        )
    )
    cr.execute(SQL("DROP INDEX IF EXISTS customer_offboarding_case__state_index"))
