"""18.0.1.3.0: a run may be split into shares of partner ids, one line per
rule and share, processed by workers at the same time.

Lines of earlier runs covered every partner id of their run: their share is
[0, the run's id bound).
"""

from odoo.tools import SQL


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        SQL(
            """
            UPDATE customer_offboarding_run_line AS line
               SET id_from = 0, id_to = run.id_bound
              FROM customer_offboarding_run AS run
             WHERE run.id = line.run_id AND line.id_to IS NULL
            """
        )
    )
