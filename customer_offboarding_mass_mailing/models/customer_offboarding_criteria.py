from odoo import models
from odoo.tools import SQL


class CustomerOffboardingCriteria(models.AbstractModel):
    _inherit = "customer.offboarding.criteria"

    def _mailing_traces_sql(self, select, condition):
        """A subquery over the mailing traces of ``p`` and its contacts."""
        return SQL(
            """
            (SELECT %s
               FROM mailing_trace t
               JOIN res_partner r ON r.id = t.res_id
              WHERE t.model = 'res.partner'
                AND r.commercial_partner_id = p.id
                AND %s)
            """,
            select,
            condition,
        )

    def _get_sent_mail_counts_sql(self, cutoff):
        counts = super()._get_sent_mail_counts_sql(cutoff)
        counts.append(
            self._mailing_traces_sql(
                SQL("COUNT(*)"),
                SQL(
                    "t.sent_datetime >= %s AND t.trace_status IN "
                    "('pending', 'sent', 'open', 'reply')",
                    cutoff,
                ),
            )
        )
        return counts

    def _get_reply_signals_sql(self, cutoff):
        signals = super()._get_reply_signals_sql(cutoff)
        signals.append(
            SQL(
                "EXISTS %s",
                self._mailing_traces_sql(
                    SQL("1"), SQL("t.reply_datetime >= %s", cutoff)
                ),
            )
        )
        return signals

    def _get_unsubscribed_sql(self):
        conditions = super()._get_unsubscribed_sql()
        # Opted out of every mailing list the address was on.
        conditions.append(
            SQL(
                """
                EXISTS (
                    SELECT 1 FROM mailing_contact c
                      JOIN mailing_subscription s ON s.contact_id = c.id
                     WHERE c.email_normalized = p.email_normalized AND s.opt_out)
                AND NOT EXISTS (
                    SELECT 1 FROM mailing_contact c
                      JOIN mailing_subscription s ON s.contact_id = c.id
                     WHERE c.email_normalized = p.email_normalized
                       AND NOT s.opt_out)
                """
            )
        )
        return conditions
