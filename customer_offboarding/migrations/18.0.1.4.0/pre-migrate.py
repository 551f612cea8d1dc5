"""18.0.1.4.0: a rule run belongs to one company.

Earlier runs evaluated the rules of every company together. Each gets the
company of its first rule; the moves of its other companies stay in the
ledger, and its undo (once, by a manager of that company) moves only that
company's customers.
"""

from odoo.tools import SQL


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        SQL(
            """
            ALTER TABLE customer_offboarding_run
                ADD COLUMN IF NOT EXISTS company_id integer;
            UPDATE customer_offboarding_run AS run
               SET company_id = COALESCE(
                   (SELECT rule.company_id
                      FROM customer_offboarding_run_line line
                      JOIN customer_offboarding_rule rule ON rule.id = line.rule_id
                     WHERE line.run_id = run.id
                     ORDER BY line.id LIMIT 1),
                   (SELECT MIN(id) FROM res_company))
             WHERE run.company_id IS NULL;
            """
        )
    )
