from collections import defaultdict

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..const import CASE_OPEN_STATES, OPERATIONS
from ..tools import bulk_sql
from ..tools.guard import internal
from ..tools.transition import Transition


class CustomerOffboardingArchiving(models.AbstractModel):
    """What archiving a customer means: its active contacts archived and its
    portal users deactivated with it (and exactly those restored on
    reactivation), what blocks it, and how Odoo's own Archive / Unarchive
    actions keep the offboarding status in line.

    A mixin of ``res.partner`` beside ``customer.offboarding.lifecycle``: the
    lifecycle calls it when a move archives or restores.
    """

    _name = "customer.offboarding.archiving"
    _description = "Customer Offboarding Archiving"

    def _offboarding_family(self):
        """These commercial partners and their active child contacts."""
        return self | self.search(
            [("commercial_partner_id", "in", self.ids), ("active", "=", True)]
        )

    # ------------------------------------------------------------------
    # What blocks an archive
    # ------------------------------------------------------------------

    def _offboarding_check_archivable(self, company):
        internal_users = (
            self.env["res.users"]
            .sudo()
            .search(
                [
                    ("partner_id", "in", self._offboarding_family().ids),
                    ("share", "=", False),
                    ("active", "=", True),
                ]
            )
        )
        if internal_users:
            raise UserError(
                self.env._(
                    "Cannot archive: %(users)s is an active internal user linked to "
                    "this customer. Archive or unlink the user first.",
                    users=", ".join(internal_users.mapped("display_name")),
                )
            )
        self._offboarding_check_shared(company)
        self._offboarding_check_notices_sent(company)

    def _offboarding_check_notices_sent(self, company):
        """Odoo does not mail archived partners: archive only once no notice of
        the case is still waiting for approval."""
        waiting = self._offboarding_waiting_notice(company)
        if waiting:
            raise UserError(
                self.env._(
                    "Cannot archive %(partners)s yet: a notice to them is waiting for "
                    "a manager's approval. Approve or cancel it first.",
                    partners=self._offboarding_names(waiting),
                )
            )

    def _offboarding_waiting_notice(self, company):
        """These partners with a notice of their open case waiting for approval."""
        rows = self.env.execute_query(
            SQL(
                """
                SELECT DISTINCT n.partner_id
                  FROM customer_offboarding_notice n
                  JOIN customer_offboarding_case c ON c.id = n.case_id
                 WHERE n.partner_id = ANY(%(ids)s)
                   AND n.company_id = %(company)s
                   AND n.state = 'to_approve'
                   AND c.state IN %(open)s
                """,
                ids=self.ids,
                company=company.id,
                open=CASE_OPEN_STATES,
            )
        )
        return self.browse([row[0] for row in rows])

    def _offboarding_check_shared(self, company):
        """A shared partner is archived only once every company has retired it."""
        shared = self.filtered(lambda p: not p.company_id)
        if not shared:
            return
        rows = self.env.execute_query(
            SQL(
                """
                SELECT p.id, c.id
                  FROM res_partner p
                  JOIN res_company c ON c.id != %(company)s AND c.active
                 WHERE p.id = ANY(%(ids)s)
                   AND COALESCE(p.offboarding_state->>c.id::text, 'active')
                       NOT IN ('retired', 'archived', 'anonymized')
                """,
                company=company.id,
                ids=shared.ids,
            )
        )
        if not rows:
            return
        raise UserError(
            self.env._(
                "%(partners)s stay Retired here: they are shared with %(companies)s, "
                "where they are still served. A shared contact is archived only once "
                "every company using it has retired it.",
                partners=self._offboarding_names(self.browse({row[0] for row in rows})),
                companies=self._offboarding_company_names({row[1] for row in rows}),
            )
        )

    # ------------------------------------------------------------------
    # Archiving and restoring the family
    # ------------------------------------------------------------------

    def _offboarding_archive_family(self, cases):
        """Archive the partners, their active contacts and their portal users.

        The case remembers exactly which contacts and users it archived, so that
        reactivation restores those and no others.
        """
        children = self._offboarding_family() - self
        users = (
            self.env["res.users"]
            .sudo()
            .search(
                [
                    ("partner_id", "in", (self | children).ids),
                    ("share", "=", True),
                    ("active", "=", True),
                ]
            )
        )
        self.env.flush_all()
        if children:
            bulk_sql.link_archived(
                self.env,
                "customer_offboarding_case_archived_partner_rel",
                "partner_id",
                cases.ids,
                children.ids,
                SQL("JOIN res_partner r ON r.id = p.id"),
            )
        if users:
            bulk_sql.link_archived(
                self.env,
                "customer_offboarding_case_archived_user_rel",
                "user_id",
                cases.ids,
                users.ids,
                SQL("JOIN res_users r ON r.partner_id = p.id"),
            )
            users.write({"active": False})
        cases.invalidate_recordset(["archived_partner_ids", "archived_user_ids"])
        # active_test=True: Odoo's linked-user check must only see active users.
        internal(
            (self | children).with_context(active_test=True)
        )._offboarding_write_active(False)

    def _offboarding_restore_family(self, cases):
        """Restore what the cases archived: the partners, contacts and portal users."""
        if not self:
            return
        own_cases = cases.filtered(lambda c: c.partner_id in self)
        partners = self | own_cases.archived_partner_ids
        internal(partners)._offboarding_write_active(True)
        own_cases.archived_user_ids.write({"active": True})

    def _offboarding_write_active(self, active):
        """Archive through the ORM, restore in SQL.

        Archiving goes through res.partner.write() so that Odoo's own checks
        (linked active users) and overrides still run (measured: 69 queries for
        2,000 companies with their contacts). Restoring needs none of them, and
        write() reads user_ids and child_ids per record when companies and their
        contacts are restored together (2 queries per partner at 2,000
        partners), so it is one UPDATE followed by the ORM's invalidation and
        recomputation.
        """
        if not active:
            self.write({"active": False})
            return
        self.flush_recordset(["active"])
        self.env.execute_query(
            SQL(
                """
                UPDATE res_partner
                   SET active = TRUE, write_uid = %(uid)s, write_date = %(now)s
                 WHERE id = ANY(%(ids)s) AND NOT active
                """,
                uid=self.env.uid,
                now=fields.Datetime.now(),
                ids=self.ids,
            )
        )
        self.invalidate_recordset(["active", "write_uid", "write_date"])
        self.modified(["active"])

    # ------------------------------------------------------------------
    # Odoo's own Archive / Unarchive
    # ------------------------------------------------------------------

    def _offboarding_follow_native_active(self, active):
        """Keep the status in line when Odoo's Archive/Unarchive action is used.

        Only customers being offboarded are concerned: a contact nobody
        offboards is archived and restored as Odoo does, with no case and no
        event. Both directions check the caller's offboarding rights first
        and are logged as events with their own origin.
        """
        if active:
            # Contacts too: an anonymized customer's contacts were erased with it.
            self._offboarding_check_not_anonymized()
        partners = self.filtered(lambda p: p.commercial_partner_id == p)
        if not partners:
            return
        statuses = partners._offboarding_statuses()
        if not statuses:
            return
        if active:
            partners._offboarding_follow_unarchive(statuses)
        else:
            partners._offboarding_follow_archive(statuses)

    def _offboarding_statuses(self):
        """{(partner_id, company_id): status} of these partners, where not active."""
        self.flush_recordset(["offboarding_state"])
        rows = self.env.execute_query(
            SQL(
                """
                SELECT p.id, s.key::int, s.value
                  FROM res_partner p, jsonb_each_text(p.offboarding_state) s
                 WHERE p.id = ANY(%(ids)s) AND s.value != 'active'
                """,
                ids=self.ids,
            )
        )
        return {(pid, cid): state for pid, cid, state in rows}

    def _offboarding_company_names(self, company_ids):
        companies = self.env["res.company"].sudo().browse(sorted(company_ids))
        return ", ".join(companies.mapped("name"))

    def _offboarding_follow_archive(self, statuses):
        """Odoo's Archive on customers being offboarded in their company (the
        current one for shared contacts) walks the legal path to Archived
        there (through Retired), with the checks of Archive Customer: an
        offboarding manager, no notice waiting for approval. A customer
        another company still serves through a notice period (at risk,
        retiring) is refused, naming it: archiving is global."""
        home = {
            partner.id: (partner.company_id or self.env.company).id for partner in self
        }
        self._offboarding_check_served_elsewhere(statuses, home)
        note = self.env._("Archived with Odoo's Archive action.")
        by_company = defaultdict(lambda: self.browse())
        for partner in self:
            if statuses.get((partner.id, home[partner.id]), "archived") != "archived":
                by_company[home[partner.id]] |= partner
        for company_id, partners in by_company.items():
            company = self.env["res.company"].browse(company_id)
            partners._offboarding_check_manager("archive")
            partners._offboarding_check_notices_sent(company)
            partners.sudo().with_company(company)._offboarding_follow_archive_in(
                company, note
            )

    def _offboarding_check_served_elsewhere(self, statuses, home):
        """Refuse archiving customers another company still serves through a
        notice period (``home``: {partner_id: company id it is archived in})."""
        serving = {
            cid
            for (pid, cid), state in statuses.items()
            if cid != home[pid] and state in ("at_risk", "retiring")
        }
        if serving:
            raise UserError(
                self.env._(
                    "Cannot archive %(partners)s: %(companies)s is offboarding them "
                    "and still serves them. Archiving a contact is global: that "
                    "company retires them first.",
                    partners=self._offboarding_names(
                        self.browse({pid for (pid, cid) in statuses if cid in serving})
                    ),
                    companies=self._offboarding_company_names(serving),
                )
            )

    def _offboarding_follow_archive_in(self, company, note):
        """Retire (when needed), then archive these customers in ``company``."""
        for operation in OPERATIONS["archive"].rule_steps:
            states = self._offboarding_read_states(company)
            sources = OPERATIONS[operation].sources
            group = self.browse(pid for pid in self.ids if states[pid] in sources)
            if group:
                group._offboarding_apply(
                    states,
                    Transition(operation, company, note=note, origin="odoo_archive"),
                )

    def _offboarding_follow_unarchive(self, statuses):
        """Odoo's Unarchive reactivates customers offboarding archived, in every
        company that archived them, with no welcome-back notice. Refused,
        naming them, where a company that archived them is not one of the
        user's (the status is per company, `active` is global); what
        offboarding archived (not Odoo's Archive action) needs an
        offboarding manager, as Reactivate does."""
        archived = defaultdict(set)
        for (pid, cid), state in statuses.items():
            if state == "archived":
                archived[cid].add(pid)
        if not archived:
            return
        if not self.env.su:
            self._offboarding_check_unarchive_rights(archived)
        note = self.env._("Unarchived with Odoo's Unarchive action.")
        for company_id, partner_ids in archived.items():
            company = self.env["res.company"].browse(company_id)
            partners = self.browse(partner_ids).sudo().with_company(company)
            partners._offboarding_apply(
                partners._offboarding_read_states(company),
                Transition(
                    "reactivate",
                    company,
                    note=note,
                    origin="odoo_archive",
                    notify=False,
                ),
            )

    def _offboarding_check_not_anonymized(self):
        """Nothing brings an anonymized customer or contact back."""
        anonymized = {
            pid
            for (pid, _cid), state in self._offboarding_statuses().items()
            if state == "anonymized"
        }
        if anonymized:
            raise UserError(
                self.env._(
                    "Cannot unarchive %(partners)s: their personal data was "
                    "anonymized, for good. Create a new contact instead.",
                    partners=self._offboarding_names(self.browse(anonymized)),
                )
            )

    def _offboarding_check_unarchive_rights(self, archived):
        """The user works for every company that archived these customers
        ({company_id: partner ids}), and is a manager where offboarding did."""
        foreign = set(archived) - set(self.env.user.company_ids.ids)
        if foreign:
            raise UserError(
                self.env._(
                    "Cannot unarchive %(partners)s: %(companies)s archived them "
                    "as offboarded customers, and only their users can bring "
                    "them back.",
                    partners=self._offboarding_names(
                        self.browse(set().union(*(archived[c] for c in foreign)))
                    ),
                    companies=self._offboarding_company_names(foreign),
                )
            )
        if self._offboarding_archived_by_offboarding(archived):
            self._offboarding_check_manager("reactivate")

    def _offboarding_archived_by_offboarding(self, archived):
        """Whether any of ``archived`` ({company_id: partner ids}) was archived
        by offboarding itself rather than by Odoo's Archive action."""
        pairs = [(cid, pid) for cid, pids in archived.items() for pid in pids]
        rows = self.env.execute_query(
            SQL(
                """
                SELECT 1
                  FROM unnest(%(companies)s::int[], %(partners)s::int[])
                       AS a(company_id, partner_id)
                  JOIN customer_offboarding_case c
                    ON c.company_id = a.company_id AND c.partner_id = a.partner_id
                   AND c.state = 'archived'
                  JOIN customer_offboarding_event e
                    ON e.case_id = c.id AND e.to_state = 'archived'
                   AND e.revision = c.revision
                 WHERE e.origin != 'odoo_archive'
                 LIMIT 1
                """,
                companies=[pair[0] for pair in pairs],
                partners=[pair[1] for pair in pairs],
            )
        )
        return bool(rows)
