"""Data disposal: the anonymization every notice announces, on its date."""

import logging
import time

import psycopg2

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.sql import column_exists

from ..const import DISPOSABLE_STATES
from ..tools import scheduler
from ..tools.transition import Transition

_logger = logging.getLogger(__name__)

# Customers anonymized in one transaction of the scheduled action (with all
# their contacts, messages and users): a kill loses at most one batch, which
# the next call redoes whole.
DISPOSAL_BATCH = 1000
# A batch of DISPOSAL_BATCH took 0.7 s (300,000 partners) to 1.3 s (1,000,000)
# on the measuring machine (docs/performance.md): under a call budget shorter
# than that, batches are smaller, down to MIN_BATCH.
BATCH_SECONDS = 1.5
MIN_BATCH = 50

# Columns of res.partner emptied on every anonymized partner, where the
# installed modules store them (name, the company name and the tax ids are
# written apart).
PARTNER_CLEARED = (
    "email",
    "email_normalized",
    "phone",
    "mobile",
    "phone_sanitized",
    "street",
    "street2",
    "zip",
    "city",
    "state_id",
    "website",
    "comment",
    "function",
    "title",
    "company_name",
    "contact_address_complete",
    "barcode",
    "partner_latitude",
    "partner_longitude",
    "partner_gid",
    "additional_info",
    # Warnings on invoices and orders (with Invoicing, Sales): notes too.
    "invoice_warn_msg",
    "sale_warn_msg",
    "purchase_warn_msg",
    "picking_warn_msg",
)
# Tax ids kept when an accounting document needs them (Invoicing bridge).
PARTNER_TAX_IDS = ("vat", "company_registry")
# Columns of res.users emptied on the anonymized customers' portal users.
USER_CLEARED = ("signature", "totp_secret", "oauth_uid", "oauth_access_token")
# Models whose chatter belongs to the customer's offboarding: their messages
# say what the customer was told and wrote.
OFFBOARDING_THREADS = (
    ("customer.offboarding.case", "cases"),
    ("customer.offboarding.notice", "notices"),
    ("customer.reactivation.request", "requests"),
)


class CustomerOffboardingDisposal(models.AbstractModel):
    """Anonymize customers: which are due, what keeps one, and the erasure.

    The erasure is a fixed number of set-based statements per batch of
    customers, whatever its size, in the caller's transaction: a customer is
    erased whole or not at all. Bridges add what their apps hold (the tax
    ids and bank accounts accounting needs, mailing contacts, leads) by
    extending ``_erase_related`` and the ``_kept_*`` hooks.
    """

    _name = "customer.offboarding.disposal"
    _description = "Customer Offboarding Data Disposal"

    # ------------------------------------------------------------------
    # Who is due, and what keeps a customer
    # ------------------------------------------------------------------

    @api.model
    def _service_end_sql(self, alias):
        """The service end of the case ``alias`` (as its disposal date reads it)."""
        return SQL(
            "COALESCE(%(a)s.end_date, %(a)s.retired_date, %(a)s.archived_date)",
            a=SQL.identifier(alias),
        )

    @api.model
    def _blockers_sql(self, partners, today, company=None):
        """(partner id, kind, company id) of what keeps the customers of
        ``partners`` (SQL of partner ids) from being anonymized on ``today``:

        - ``held``: a case of theirs under legal hold (whatever its state: a
          hold survives a reactivation, until a manager releases it);
        - ``kept``: a company keeps their data until its disposal date, which
          has not come (``company``'s date does not count: a manager
          anonymizes now there);
        - ``served``: a company still serves them (shared contacts: every
          active company; a company's own contact: that company);
        - ``user``: an internal user is linked to them or a contact of theirs.
        """
        return SQL(
            """
            SELECT o.partner_id, 'held', o.company_id
              FROM customer_offboarding_case o
             WHERE o.partner_id IN (%(partners)s) AND o.legal_hold IS TRUE
            UNION ALL
            SELECT o.partner_id, 'kept', o.company_id
              FROM customer_offboarding_case o
              JOIN res_company oc ON oc.id = o.company_id
             WHERE o.partner_id IN (%(partners)s)
               AND o.state IN %(disposable)s
               AND o.company_id IS DISTINCT FROM %(company)s
               AND COALESCE(%(end)s, %(today)s)
                   + oc.offboarding_retention_days > %(today)s
            UNION ALL
            SELECT p.id, 'served', sc.id
              FROM res_partner p
              JOIN res_company sc
                ON sc.active AND (p.company_id IS NULL OR p.company_id = sc.id)
             WHERE p.id IN (%(partners)s)
               AND COALESCE(p.offboarding_state->>sc.id::text, 'active')
                   NOT IN ('retired', 'archived', 'anonymized')
            UNION ALL
            SELECT f.commercial_partner_id, 'user', NULL
              FROM res_users u
              JOIN res_partner f ON f.id = u.partner_id
             WHERE f.commercial_partner_id IN (%(partners)s)
               AND NOT u.share
            """,
            partners=partners,
            disposable=DISPOSABLE_STATES,
            company=company.id if company else None,
            end=self._service_end_sql("o"),
            today=today,
        )

    @api.model
    def _candidates_sql(self, today, company=None, after=0, partner_ids=None):
        """SQL of the customers (commercial partners) with a case retired or
        archived past its disposal date (service end + the company's
        retention) and not held, in ``company`` (default: all), with an id
        above ``after``."""
        return SQL(
            """
            SELECT c.partner_id
              FROM customer_offboarding_case c
              JOIN res_company co ON co.id = c.company_id
              -- A customer since given a parent company is its parent's
              -- contact now: its parent's offboarding decides.
              JOIN res_partner p ON p.id = c.partner_id
                               AND p.commercial_partner_id = p.id
             WHERE c.state IN %(disposable)s
               AND c.legal_hold IS NOT TRUE
               AND COALESCE(%(end)s, %(today)s)
                   + co.offboarding_retention_days <= %(today)s
               AND (%(company)s::int IS NULL OR c.company_id = %(company)s::int)
               AND c.partner_id > %(after)s
               AND (%(ids)s::int[] IS NULL OR c.partner_id = ANY(%(ids)s::int[]))
            """,
            disposable=DISPOSABLE_STATES,
            end=self._service_end_sql("c"),
            today=today,
            company=company.id if company else None,
            after=after,
            ids=list(partner_ids) if partner_ids is not None else None,
        )

    @api.model
    def _due_ids(self, today, partner_ids=None):
        """Ids, in order, of the customers whose data is due for disposal on
        ``today``: a case retired or archived past its disposal date, and
        nothing keeping them."""
        self.env.flush_all()
        candidates = sorted(
            set(self._query_ids(self._candidates_sql(today, partner_ids=partner_ids)))
        )
        if not candidates:
            return []
        blocked = self._blocked_ids(candidates, today)
        return [pid for pid in candidates if pid not in blocked]

    @api.model
    def _blocked_ids(self, partner_ids, today, company=None):
        """Those of ``partner_ids`` something keeps (see _blockers_sql)."""
        return set().union(
            *(
                kind.keys()
                for kind in self._blockers(partner_ids, today, company).values()
            )
        )

    @api.model
    def _blockers(self, partner_ids, today, company=None):
        """{kind: {partner_id: {company ids}}} of what keeps ``partner_ids``."""
        self.env.flush_all()
        rows = self.env.execute_query(
            self._blockers_sql(
                SQL("SELECT unnest(%s::int[])", partner_ids), today, company
            )
        )
        found = {}
        for partner_id, kind, company_id in rows:
            companies = found.setdefault(kind, {}).setdefault(partner_id, set())
            if company_id:
                companies.add(company_id)
        return found

    # ------------------------------------------------------------------
    # Anonymizing (no rights checked: the callers did)
    # ------------------------------------------------------------------

    @api.model
    def _dispose(self, partner_ids, origin, note=False, company=None):
        """Anonymize the customers ``partner_ids`` that nothing keeps: erase
        their personal data, then close their retired or archived cases in
        every company as anonymized, with one ledger event per customer and
        company. Returns the ids anonymized.

        ``company`` is the company a manager anonymizes in now (its disposal
        date does not count); the scheduled action passes none.
        """
        if not partner_ids:
            return []
        self.env.flush_all()
        # Locked as a lifecycle move locks them; checked again under the lock.
        self.env.execute_query(
            SQL(
                "SELECT id FROM res_partner WHERE id = ANY(%s) ORDER BY id "
                "FOR NO KEY UPDATE",
                list(partner_ids),
            )
        )
        # The server's date (UTC), as the scheduled action's: no context
        # (its ``tz``) moves a disposal date.
        today = fields.Date.today()
        self._lock_cases(partner_ids)
        blocked = self._blocked_ids(partner_ids, today, company)
        commercial = {
            row[0]
            for row in self.env.execute_query(
                SQL(
                    "SELECT id FROM res_partner WHERE id = ANY(%s) "
                    "AND commercial_partner_id = id",
                    list(partner_ids),
                )
            )
        }
        ids = [pid for pid in partner_ids if pid not in blocked and pid in commercial]
        if not ids:
            return []
        by_company = self._disposable_cases(ids)
        self._erase(ids)
        Partner = self.env["res.partner"].sudo().with_context(active_test=False)
        Notice = self.env["customer.offboarding.notice"].sudo()
        Case = self.env["customer.offboarding.case"].sudo()
        for company_id, (pids, case_ids) in sorted(by_company.items()):
            move_company = self.env["res.company"].sudo().browse(company_id)
            partners = Partner.browse(pids).with_company(move_company)
            partners._offboarding_apply(
                partners._offboarding_read_states(move_company),
                Transition(
                    "anonymize", move_company, note=note or False, origin=origin
                ),
            )
            # What was not sent yet goes nowhere now.
            Notice._cancel_pending(Case.browse(case_ids))
        return ids

    @api.model
    def _lock_cases(self, partner_ids):
        """Lock the customers' cases: a legal hold written meanwhile waits for
        this transaction, or is seen by the checks that follow."""
        self.env.execute_query(
            SQL(
                "SELECT id FROM customer_offboarding_case WHERE partner_id = ANY(%s) "
                "ORDER BY id FOR NO KEY UPDATE",
                list(partner_ids),
            )
        )

    @api.model
    def _disposable_cases(self, partner_ids):
        """{company_id: (partner ids, case ids)} of the retired or archived
        cases of ``partner_ids``."""
        rows = self.env.execute_query(
            SQL(
                """
                SELECT company_id, array_agg(partner_id ORDER BY partner_id),
                       array_agg(id ORDER BY partner_id)
                  FROM customer_offboarding_case
                 WHERE partner_id = ANY(%s) AND state IN %s
                 GROUP BY company_id
                """,
                list(partner_ids),
                DISPOSABLE_STATES,
            )
        )
        return {row[0]: (row[1], row[2]) for row in rows}

    # ------------------------------------------------------------------
    # The erasure
    # ------------------------------------------------------------------

    @api.model
    def _erase(self, partner_ids):
        """Erase the personal data of the customers ``partner_ids`` and of all
        their contacts, archived ones included; keep the records and their
        ids (invoices, orders and payments still point at them), posted
        accounting documents, the cases and the ledger."""
        self.env.flush_all()
        scope = self._erase_scope(partner_ids)
        scope["last_message"] = self.env.execute_query(
            SQL("SELECT COALESCE(MAX(id), 0) FROM mail_message")
        )[0][0]
        # First what Odoo logs a message about when it goes (a bank account's
        # deletion is posted on its partner, with its number).
        self._erase_banks(scope)
        self.env.flush_all()
        self._erase_related(scope)
        self._erase_messages(scope)
        self._erase_users(scope)
        self._erase_partners(scope)
        self.env.invalidate_all()

    @api.model
    def _erase_scope(self, partner_ids):
        """What the erasure of ``partner_ids`` reaches: the customers, every
        contact of theirs, their emails, portal users and offboarding records."""
        family = self.env.execute_query(
            SQL(
                """
                SELECT p.id, p.email_normalized
                  FROM unnest(%(ids)s::int[]) AS c(id)
                  JOIN res_partner p ON p.commercial_partner_id = c.id
                 UNION
                SELECT p.id, p.email_normalized
                  FROM res_partner p WHERE p.id = ANY(%(ids)s)
                """,
                ids=list(partner_ids),
            )
        )
        scope = {
            "customers": list(partner_ids),
            "family": [row[0] for row in family],
            "emails": sorted({row[1] for row in family if row[1]}),
        }
        scope["users"] = [
            row[0]
            for row in self.env.execute_query(
                SQL(
                    # Portal users only: internal users keep a customer.
                    "SELECT id FROM res_users WHERE partner_id = ANY(%s) AND share",
                    scope["family"],
                )
            )
        ]
        scope["cases"] = self._query_ids(
            SQL(
                "SELECT id FROM customer_offboarding_case WHERE partner_id = ANY(%s)",
                scope["customers"],
            )
        )
        for table, key in (
            ("customer_offboarding_notice", "notices"),
            ("customer_reactivation_request", "requests"),
        ):
            scope[key] = self._query_ids(
                SQL(
                    "SELECT id FROM %s WHERE case_id = ANY(%s)",
                    SQL.identifier(table),
                    scope["cases"],
                )
            )
        return scope

    @api.model
    def _query_ids(self, query):
        return [row[0] for row in self.env.execute_query(query)]

    @api.model
    def _erase_related(self, scope):
        """Erase what the customer's offboarding records hold of them: the
        messages of their reactivation requests and the case notes. Bridges
        add their apps' copies (mailing contacts, leads) here."""
        self.env.execute_query(
            SQL(
                "UPDATE customer_reactivation_request "
                "SET message = NULL, decision_note = NULL WHERE id = ANY(%s)",
                scope["requests"],
            )
        )
        self.env.execute_query(
            SQL(
                "UPDATE customer_offboarding_case SET note = NULL "
                "WHERE id = ANY(%s) AND note IS NOT NULL",
                scope["cases"],
            )
        )
        # The activities planned on them and on their offboarding records
        # (calls, reminders) go with them.
        self.env.execute_query(
            SQL(" ").join(
                SQL(
                    "DELETE FROM mail_activity "
                    "WHERE res_model = %s AND res_id = ANY(%s);",
                    model,
                    scope[key],
                )
                for model, key in (("res.partner", "family"), *OFFBOARDING_THREADS)
            )
        )
        for model, cleared in (
            ("sms.sms", ("number", "body")),
            ("calendar.attendee", ("common_name",)),
        ):
            cleared = [name for name in cleared if self._has_column(model, name)]
            if cleared and self._has_column(model, "partner_id"):
                self.env.execute_query(
                    SQL(
                        "UPDATE %s SET %s WHERE partner_id = ANY(%s)",
                        SQL.identifier(self.env[model]._table),
                        SQL(", ").join(
                            SQL("%s = NULL", SQL.identifier(name)) for name in cleared
                        ),
                        scope["family"],
                    )
                )

    @api.model
    def _message_ids(self, scope):
        """The messages erased: on the partners, written by them, and on the
        customer's offboarding records (what they were told and wrote)."""
        threads = SQL(" UNION ").join(
            SQL(
                "SELECT id FROM mail_message WHERE model = %s AND res_id = ANY(%s)",
                model,
                scope[key],
            )
            for model, key in (("res.partner", "family"), *OFFBOARDING_THREADS)
        )
        return self._query_ids(
            SQL(
                "(%s UNION SELECT id FROM mail_message WHERE author_id = ANY(%s)) "
                "EXCEPT (SELECT k.id FROM (%s) AS k(id) WHERE k.id <= %s)",
                threads,
                scope["family"],
                self._kept_messages_sql(scope),
                # What the erasure made Odoo post (a deleted bank account's
                # number) is never kept.
                scope["last_message"],
            )
        )

    @api.model
    def _kept_messages_sql(self, scope):
        """SQL of the message ids the law keeps although they are the
        customer's (the Invoicing bridge: those of posted entries and the
        audit trail)."""
        return SQL("SELECT NULL::int WHERE FALSE")

    @api.model
    def _erase_messages(self, scope):
        """Empty the messages' bodies, senders and tracked values, their
        emails' contents and addresses, and delete their attachments and the
        partners' own (images, documents)."""
        messages = self._message_ids(scope)
        scope["messages"] = messages
        message_columns = [
            name
            for name in (
                "subject",
                "email_from",
                "reply_to",
                "record_name",
                "incoming_email_to",
                "incoming_email_cc",
            )
            if self._has_column("mail.message", name)
        ]
        self.env.execute_query(
            SQL(
                "UPDATE mail_message SET body = '', %s WHERE id = ANY(%s)",
                SQL(", ").join(
                    SQL("%s = NULL", SQL.identifier(name)) for name in message_columns
                ),
                messages,
            )
        )
        # The case's legal hold history stays (who held it, when, why): no
        # personal data, and what an auditor asks for.
        self.env.execute_query(
            SQL(
                "DELETE FROM mail_tracking_value WHERE mail_message_id = ANY(%s) "
                "AND (field_id IS NULL OR field_id != ALL(%s))",
                messages,
                self._kept_tracking_field_ids(),
            )
        )
        self.env.execute_query(
            SQL(
                "DELETE FROM mail_message_reaction WHERE message_id = ANY(%s) "
                "OR partner_id = ANY(%s)",
                messages,
                scope["family"],
            )
        )
        # Emails of these messages: no content, no address; those not sent
        # yet are cancelled. Other emails addressed to them go to the others.
        self.env.execute_query(
            SQL(
                """
                UPDATE mail_mail m
                   SET body_html = NULL, email_to = NULL, email_cc = NULL,
                       headers = NULL, failure_reason = NULL,
                       state = CASE WHEN m.state = 'outgoing' THEN 'cancel'
                                    ELSE m.state END
                 WHERE m.mail_message_id = ANY(%s)
                """,
                messages,
            )
        )
        self.env.execute_query(
            SQL(
                """
                WITH removed AS (
                    DELETE FROM mail_mail_res_partner_rel
                     WHERE res_partner_id = ANY(%s)
                 RETURNING mail_mail_id)
                UPDATE mail_mail m SET state = 'cancel'
                 WHERE m.id IN (SELECT mail_mail_id FROM removed)
                   AND m.state = 'outgoing'
                   AND COALESCE(m.email_to, '') = '' AND COALESCE(m.email_cc, '') = ''
                   AND NOT EXISTS (SELECT 1 FROM mail_mail_res_partner_rel r
                                    WHERE r.mail_mail_id = m.id
                                      AND r.res_partner_id != ALL(%s))
                """,
                scope["family"],
                scope["family"],
            )
        )
        self.env.execute_query(
            SQL(
                """
                UPDATE mail_notification SET failure_reason = NULL %s
                 WHERE mail_message_id = ANY(%s) OR res_partner_id = ANY(%s)
                """,
                SQL(", sms_number = NULL")
                if self._has_column("mail.notification", "sms_number")
                else SQL(""),
                messages,
                scope["family"],
            )
        )
        # The partners' files, and those of the erased messages on them and on
        # their offboarding records; a message's file that belongs to another
        # document (an order, a bill) stays that document's.
        owned = SQL(" OR ").join(
            SQL("(a.res_model = %s AND a.res_id = ANY(%s))", model, scope[key])
            for model, key in (("res.partner", "family"), *OFFBOARDING_THREADS)
        )
        attachments = self._query_ids(
            SQL(
                """
                SELECT id FROM ir_attachment
                 WHERE res_model = 'res.partner' AND res_id = ANY(%(family)s)
                 UNION
                SELECT a.id FROM message_attachment_rel r
                  JOIN ir_attachment a ON a.id = r.attachment_id
                 WHERE r.message_id = ANY(%(messages)s)
                   AND (a.res_model IS NULL OR a.res_model = 'mail.compose.message'
                        OR %(owned)s)
                """,
                family=scope["family"],
                messages=messages,
                owned=owned,
            )
        )
        self.env.execute_query(
            SQL(
                "DELETE FROM message_attachment_rel WHERE message_id = ANY(%s)",
                messages,
            )
        )
        if attachments:
            self.env["ir.attachment"].sudo().browse(attachments).unlink()

    @api.model
    def _kept_tracking_field_ids(self):
        """Fields whose tracked changes the erasure keeps: the legal hold's."""
        IrField = self.env["ir.model.fields"].sudo()
        return [
            IrField._get("customer.offboarding.case", name).id
            for name in ("legal_hold", "legal_hold_note")
        ]

    @api.model
    def _erase_users(self, scope):
        """Close the portal users of the anonymized partners: login and
        password cleared, archived, their API keys and devices removed (their
        name is their partner's, erased with it)."""
        users = scope["users"]
        if not users:
            return
        # Their open sessions end: Odoo checks a session against the user's
        # password and login (cached), and its device log.
        devices = self.env["res.device"].sudo().search([("user_id", "in", users)])
        if devices:
            devices._revoke()
            self.env.flush_all()
        # Real columns (a secret may have a column without a stored field).
        cleared = [
            name
            for name in USER_CLEARED
            if column_exists(self.env.cr, "res_users", name)
        ]
        self.env.execute_query(
            SQL(
                """
                UPDATE res_users
                   SET login = '__anonymized_user_' || id, password = NULL,
                       active = FALSE %s
                 WHERE id = ANY(%s)
                """,
                SQL("").join(SQL(", %s = NULL", SQL.identifier(n)) for n in cleared),
                users,
            )
        )
        for table in ("res_users_apikeys", "res_device_log", "auth_totp_device"):
            if self._has_table(table):
                self.env.execute_query(
                    SQL(
                        "DELETE FROM %s WHERE user_id = ANY(%s)",
                        SQL.identifier(table),
                        users,
                    )
                )
        self.env.registry.clear_cache()

    @api.model
    def _erase_banks(self, scope):
        """Delete the partners' bank accounts no document uses."""
        banks = self._query_ids(
            SQL(
                "SELECT id FROM res_partner_bank WHERE partner_id = ANY(%s)",
                scope["family"],
            )
        )
        if not banks:
            return
        kept = set(self._query_ids(self._kept_banks_sql(banks)))
        unused = [bank for bank in banks if bank not in kept]
        if unused:
            self.env["res.partner.bank"].sudo().browse(unused).unlink()

    @api.model
    def _kept_banks_sql(self, bank_ids):
        """SQL of those of ``bank_ids`` a document uses (kept); the Invoicing
        bridge keeps those of its entries, payments and journals."""
        return SQL("SELECT NULL::int WHERE FALSE")

    @api.model
    def _kept_tax_ids_sql(self, scope):
        """SQL of the customer ids whose tax ids (VAT, company id) a posted
        accounting document needs (kept); the Invoicing bridge fills it."""
        return SQL("SELECT NULL::int WHERE FALSE")

    @api.model
    def _anonymized_label(self):
        """The neutral name of an anonymized partner (its id follows)."""
        return self.env._("Anonymized")

    @api.model
    def _erase_partners(self, scope):
        """The partners keep their id, company, parent, salesperson, language
        and country; their name becomes a neutral label with their id, and
        they are archived."""
        label = SQL("%s || ' #' || res_partner.id", self._anonymized_label())
        assignments = [
            SQL("name = %s", label),
            SQL("complete_name = %s", label),
            SQL(
                "commercial_company_name = CASE WHEN commercial_company_name IS NULL "
                "THEN NULL ELSE %s || ' #' || commercial_partner_id END",
                self._anonymized_label(),
            ),
            SQL("active = FALSE"),
            SQL("message_bounce = 0"),
        ]
        assignments += [
            SQL("%s = NULL", SQL.identifier(name))
            for name in PARTNER_CLEARED
            if self._has_column("res.partner", name)
        ]
        kept = self._query_ids(self._kept_tax_ids_sql(scope))
        assignments += [
            SQL(
                "%(col)s = CASE WHEN commercial_partner_id = ANY(%(kept)s) "
                "THEN %(col)s ELSE NULL END",
                col=SQL.identifier(name),
                kept=kept,
            )
            for name in PARTNER_TAX_IDS
            if self._has_column("res.partner", name)
        ]
        self.env.execute_query(
            SQL(
                "UPDATE res_partner SET %s WHERE id = ANY(%s)",
                SQL(", ").join(assignments),
                scope["family"],
            )
        )
        self.env.execute_query(
            SQL(
                "DELETE FROM res_partner_res_partner_category_rel "
                "WHERE partner_id = ANY(%s)",
                scope["family"],
            )
        )

    @api.model
    def _has_column(self, model, name):
        if model not in self.env:
            return False
        field = self.env[model]._fields.get(name)
        return bool(field and field.store and field.column_type)

    @api.model
    def _has_table(self, table):
        rows = self.env.execute_query(SQL("SELECT to_regclass(%s)", table))
        return bool(rows[0][0])

    # ------------------------------------------------------------------
    # Scheduled action
    # ------------------------------------------------------------------

    @api.model
    def _dispose_isolated(self, batch):
        """Anonymize a batch of the scheduled action, in a savepoint; a batch
        that fails is split in halves, and so on down to the customer that
        fails, which is logged and left as it was (the company's cursor
        passes it: tried again the next day). One customer Odoo cannot
        anonymize never holds back the others. A concurrency error or a
        cancelled statement is no customer's fault: it fails the call, and
        the next call redoes the batch. Returns the ids anonymized."""
        try:
            with self.env.cr.savepoint():
                return self._dispose(batch, "disposal")
        except (
            psycopg2.errors.QueryCanceled,
            psycopg2.extensions.TransactionRollbackError,
        ):
            raise
        except Exception:  # noqa: BLE001 - any other error: isolate the customer
            if len(batch) == 1:
                _logger.exception(
                    "Offboarding data disposal: customer %s could not be "
                    "anonymized; it stays as it is until the next day's run.",
                    batch[0],
                )
                return []
        middle = len(batch) // 2
        return self._dispose_isolated(batch[:middle]) + self._dispose_isolated(
            batch[middle:]
        )

    @api.model
    def _cron_dispose(self):
        """Anonymize every customer due, company by company, in batches of
        DISPOSAL_BATCH customers in id order, one transaction each, within
        the call's time budget (the scheduler calls again while customers
        remain). Each company's cursor is committed with its batch: a killed
        call loses at most its batch, and the next call resumes after the
        last batch done; a customer done is never due again. Once a company
        is gone through, it waits for the next day."""
        stop_at = scheduler.deadline(
            self.env, "customer_offboarding.ir_cron_dispose_data"
        )
        if stop_at is None:
            return
        today = fields.Date.today()
        companies = (
            self.env["res.company"]
            .sudo()
            .with_context(active_test=False)
            .search(
                [
                    "|",
                    ("offboarding_dispose_date", "=", False),
                    ("offboarding_dispose_date", "<", today),
                ],
                order="id",
            )
        )
        progress = {"done": 0, "batch": self._batch_size()}
        for company in companies:
            if not self._cron_dispose_company(company, today, stop_at, progress):
                return
        self.env["ir.cron"]._notify_progress(done=progress["done"], remaining=0)

    @api.model
    def _batch_size(self):
        """Customers per batch, for the call's budget under Odoo's scheduler
        (DISPOSAL_BATCH with the default limit of 120 s)."""
        floor = min(MIN_BATCH, DISPOSAL_BATCH)
        sized = int(DISPOSAL_BATCH * scheduler.time_budget() / BATCH_SECONDS)
        return max(floor, min(DISPOSAL_BATCH, sized))

    @api.model
    def _cron_dispose_company(self, company, today, stop_at, progress):
        """Go through ``company``'s customers due from its cursor until
        ``stop_at``; return True once it is gone through."""
        while True:
            started = time.monotonic()
            after = company.offboarding_dispose_cursor
            self.env.flush_all()
            # One open case per customer and company: no DISTINCT, so that
            # PostgreSQL walks the cases' partner index and stops at the batch.
            rows = self.env.execute_query(
                SQL(
                    "%s ORDER BY c.partner_id LIMIT %s",
                    self._candidates_sql(today, company, after),
                    progress["batch"],
                )
            )
            batch = [row[0] for row in rows]
            if batch:
                blocked = self._blocked_ids(batch, today)
                anonymized = self._dispose_isolated(
                    [pid for pid in batch if pid not in blocked]
                )
                if anonymized:
                    _logger.info(
                        "Offboarding data disposal: %s customers anonymized.",
                        len(anonymized),
                    )
            finished = len(batch) < progress["batch"]
            company._offboarding_set_dispose_cursor(
                0 if finished else batch[-1], today if finished else False
            )
            progress["done"] += len(batch)
            if progress["done"]:
                # What is left is not counted (a scan of every case per call):
                # while a batch comes back full, at least the next one may be.
                self.env["ir.cron"]._notify_progress(
                    done=progress["done"],
                    remaining=0 if finished else progress["batch"],
                )
            if scheduler.can_commit(self.env):
                # One transaction per batch, with the cursor: a killed call
                # keeps the batches done and resumes after them.
                self.env.cr.commit()  # pylint: disable=invalid-commit
            if finished:
                return True
            if scheduler.past(stop_at, time.monotonic() - started):
                return False
