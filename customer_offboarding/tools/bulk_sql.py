"""Set-based writes of the lifecycle: one statement for a whole batch of
customers, whatever its size (``INSERT … SELECT … FROM unnest(…)``).

They write rows the ORM would write one by one, so the caller flushes before
and invalidates after. Every value is an SQL parameter (``odoo.tools.SQL``).
"""

from odoo import fields
from odoo.tools import SQL
from odoo.tools.mail import generate_tracking_message_id

from ..const import CASE_OPEN_STATES

# Case columns a new case gets from the partner and the move, not from the
# values of the move's state (those are passed as ``values``).
CASE_OWN_COLUMNS = ("state", "reason_id", "write_uid", "write_date")


def find_open_cases(env, company, partner_ids):
    """{partner_id: (case_id, reason_id, revision)} of the open cases of
    ``partner_ids`` in ``company``."""
    if not partner_ids:
        return {}
    rows = env.execute_query(
        SQL(
            """
            SELECT c.partner_id, c.id, c.reason_id, c.revision
              FROM unnest(%(ids)s::int[]) AS p(id)
              JOIN customer_offboarding_case c ON c.partner_id = p.id
             WHERE c.company_id = %(company)s
               AND c.state IN %(open)s
            """,
            ids=partner_ids,
            company=company.id,
            open=CASE_OPEN_STATES,
        )
    )
    return {row[0]: tuple(row[1:]) for row in rows}


def insert_cases(env, company, partner_states, reason, rule, values=None):
    """Open a case for each (partner id, state) of ``partner_states``; return
    {partner_id: (case_id, reason_id, revision)} of those really inserted (a
    partner that has an open case already keeps it: ON CONFLICT DO NOTHING).

    ``values`` are extra case columns written on every new case (the dates of
    the move when the cases are opened directly in its state).
    """
    extra = {
        name: value
        for name, value in (values or {}).items()
        if name not in CASE_OWN_COLUMNS
    }
    now = fields.Datetime.now()
    rows = env.execute_query(
        SQL(
            """
            INSERT INTO customer_offboarding_case
                   (partner_id, company_id, state, reason_id, tier, user_id,
                    rule_id, revision,
                    flag_date, create_uid, create_date, write_uid, write_date
                    %(extra_columns)s)
            SELECT p.id, %(company)s, m.state, %(reason)s,
                   p.offboarding_tier->>%(key)s, p.user_id,
                   %(rule)s, 0,
                   %(now)s, %(uid)s, %(now)s, %(uid)s, %(now)s
                   %(extra_values)s
              FROM unnest(%(ids)s::int[], %(states)s::varchar[]) AS m(id, state)
              JOIN res_partner p ON p.id = m.id
                ON CONFLICT (partner_id, company_id) WHERE state IN %(open)s
                DO NOTHING
         RETURNING partner_id, id, reason_id, revision
            """,
            extra_columns=SQL("").join(
                SQL(", %s", SQL.identifier(name)) for name in extra
            ),
            extra_values=SQL("").join(SQL(", %s", value) for value in extra.values()),
            company=company.id,
            reason=reason.id,
            rule=rule.id if rule else None,
            key=str(company.id),
            now=now,
            uid=env.uid,
            ids=[pair[0] for pair in partner_states],
            states=[pair[1] for pair in partner_states],
            open=CASE_OPEN_STATES,
        )
    )
    return {row[0]: tuple(row[1:]) for row in rows}


def update_cases(env, case_ids, values):
    """Write ``values`` on the cases ``case_ids`` in one statement.

    A retirement brings the announced end of service to that day when it is
    earlier (the case, the mail and the page then say the same)."""
    if not case_ids:
        return
    assignments = SQL(", ").join(
        SQL(
            "%s = %s",
            SQL.identifier(name),
            value
            if name != "end_date" or values["state"] != "retired"
            else SQL("LEAST(end_date, %s)", value),
        )
        for name, value in values.items()
    )
    env.execute_query(
        SQL(
            "UPDATE customer_offboarding_case SET %s WHERE id = ANY(%s)",
            assignments,
            list(case_ids),
        )
    )


def insert_events(env, transition, cases, states, reason, now):
    """Append one ledger event per partner of ``cases`` ({partner_id: (case_id,
    reason_id, revision)}), from its state in ``states`` to the move's target.
    The event's reason is ``reason``, else the case's."""
    partner_ids = list(cases)
    env.execute_query(
        SQL(
            """
            INSERT INTO customer_offboarding_event
                   (case_id, from_state, to_state, reason_id, user_id, date,
                    note, origin, rule_id, run_id, revision)
            SELECT m.case_id, m.from_state, %(target)s,
                   COALESCE(%(reason)s, m.reason_id), %(uid)s, %(now)s, %(note)s,
                   %(origin)s, %(rule)s, %(run)s, m.revision
              FROM unnest(%(cases)s::int[], %(froms)s::varchar[],
                          %(reasons)s::int[], %(revisions)s::int[])
                   AS m(case_id, from_state, reason_id, revision)
            """,
            target=transition.target,
            reason=reason.id or None,
            uid=env.uid,
            now=now,
            note=transition.note or None,
            origin=transition.origin,
            rule=transition.rule_id,
            run=transition.run_id,
            cases=[cases[pid][0] for pid in partner_ids],
            froms=[states[pid] for pid in partner_ids],
            reasons=[cases[pid][1] for pid in partner_ids],
            revisions=[cases[pid][2] for pid in partner_ids],
        )
    )


def insert_notes(env, model, res_ids, bodies, now):
    """Log internal notes on many records in one statement (no notification),
    authored by the current user."""
    author = env.user.partner_id
    env.execute_query(
        SQL(
            """
            INSERT INTO mail_message
                   (model, res_id, body, message_type, subtype_id, author_id,
                    email_from, is_internal, date, message_id,
                    create_uid, create_date, write_uid, write_date)
            SELECT %(model)s, m.res_id, m.body, 'notification', %(subtype)s,
                   %(author)s, %(email_from)s, TRUE, %(now)s, %(message_id)s,
                   %(uid)s, %(now)s, %(uid)s, %(now)s
              FROM unnest(%(res_ids)s::int[], %(bodies)s::text[]) AS m(res_id, body)
            """,
            model=model,
            subtype=env["ir.model.data"]._xmlid_to_res_id("mail.mt_note"),
            author=author.id,
            email_from=author.email_formatted or None,
            now=now,
            message_id=generate_tracking_message_id("message-notify"),
            uid=env.uid,
            res_ids=list(res_ids),
            bodies=bodies,
        )
    )


def link_archived(env, relation, column, case_ids, ids, join):
    """Remember on the cases ``case_ids`` the rows ``ids`` (contacts or users)
    they archived, in the relation table ``relation`` (``column``: the
    row's column), ``join`` relating them to the case's customer ``p``."""
    env.execute_query(
        SQL(
            """
            INSERT INTO %(relation)s (case_id, %(column)s)
            SELECT c.id, r.id
              FROM customer_offboarding_case c
              JOIN res_partner p ON p.commercial_partner_id = c.partner_id
              %(join)s
             WHERE c.id = ANY(%(cases)s) AND r.id = ANY(%(ids)s)
            ON CONFLICT DO NOTHING
            """,
            relation=SQL.identifier(relation),
            column=SQL.identifier(column),
            join=join,
            cases=list(case_ids),
            ids=list(ids),
        )
    )


def read_states(env, partner_ids, company):
    """Lock the partners and return {partner_id: status} in ``company``."""
    rows = env.execute_query(
        SQL(
            """
            SELECT id, COALESCE(offboarding_state->>%(company)s, 'active')
              FROM res_partner
             WHERE id = ANY(%(ids)s)
               FOR NO KEY UPDATE
            """,
            company=str(company.id),
            ids=list(partner_ids),
        )
    )
    return dict(rows)


def write_states(env, partner_ids, company, target, sources):
    """Compare-and-set: move the partners whose status in ``company`` is one of
    ``sources`` to ``target``, and their contacts with them; return how many
    of ``partner_ids`` moved."""
    key = str(company.id)
    if target == "active":
        value = SQL(
            "NULLIF(COALESCE(offboarding_state, '{}'::jsonb) - %s, '{}'::jsonb)", key
        )
    else:
        value = SQL(
            "COALESCE(offboarding_state, '{}'::jsonb) || jsonb_build_object(%s, %s)",
            key,
            target,
        )
    moved = env.execute_query(
        SQL(
            """
            UPDATE res_partner SET offboarding_state = %(value)s
             WHERE id = ANY(%(ids)s)
               AND COALESCE(offboarding_state->>%(key)s, 'active') IN %(sources)s
         RETURNING id
            """,
            value=value,
            ids=list(partner_ids),
            key=key,
            sources=tuple(sources),
        )
    )
    # Join on the ids (index on commercial_partner_id): "= ANY(array)" on a
    # non-unique column makes PostgreSQL scan the whole table per batch.
    env.execute_query(
        SQL(
            """
            UPDATE res_partner SET offboarding_state = %(value)s
              FROM unnest(%(ids)s::int[]) AS moved(id)
             WHERE res_partner.commercial_partner_id = moved.id
               AND res_partner.id != moved.id
            """,
            value=value,
            ids=[row[0] for row in moved],
        )
    )
    return len(moved)


def sync_contact_states(env, partner_ids, commercial_ids):
    """Contacts take their commercial partner's status (after a change of
    parent); a partner of ``partner_ids`` detached from its company keeps no
    status it has no open case for."""
    env.execute_query(
        SQL(
            """
            UPDATE res_partner AS contact
               SET offboarding_state = parent.offboarding_state
              FROM res_partner AS parent
             WHERE contact.commercial_partner_id = ANY(%(commercial)s)
               AND parent.id = contact.commercial_partner_id
               AND contact.id != parent.id
               AND contact.offboarding_state
                   IS DISTINCT FROM parent.offboarding_state
            """,
            commercial=list(commercial_ids),
        )
    )
    env.execute_query(
        SQL(
            """
            UPDATE res_partner AS p
               SET offboarding_state = NULL
             WHERE p.id = ANY(%(ids)s)
               AND p.commercial_partner_id = p.id
               AND p.offboarding_state IS NOT NULL
               AND NOT EXISTS (
                    SELECT 1 FROM customer_offboarding_case c
                     WHERE c.partner_id = p.id AND c.state IN %(open)s)
            """,
            ids=list(partner_ids),
            # An anonymized customer's case is closed; the status stays.
            open=(*CASE_OPEN_STATES, "anonymized"),
        )
    )
