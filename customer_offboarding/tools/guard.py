"""What a caller cannot forge: the marker of the addon's own writes, and the
checks every write path of the addon's models goes through.

RPC callers choose the context of their call, so no context *value* they can
send may authorize anything. A context key whose value is this module's
``INTERNAL`` object can only be set by Python code running in the server: JSON
and XML-RPC cannot produce that object (the same idea as OCA queue_job's
edit sentinel).
"""

from odoo.exceptions import AccessError, ValidationError

INTERNAL_KEY = "_customer_offboarding_internal"
# Set by the addon's override of Odoo's partner merge around the values it
# copies between the merged contacts.
MERGE_KEY = "_customer_offboarding_merge"
INTERNAL = object()

# PostgreSQL ``integer`` columns: larger values fail in the database with an
# error that quotes the SQL; they are refused first with a readable message.
INT_MIN, INT_MAX = -(2**31), 2**31 - 1


def internal(records, key=INTERNAL_KEY):
    """``records`` marked as written by the addon itself."""
    return records.with_context(**{key: INTERNAL})


def is_internal(env, key=INTERNAL_KEY):
    """Whether this environment carries the addon's own marker."""
    return env.context.get(key) is INTERNAL


def check_integer_values(model, vals):
    """Refuse integer values a PostgreSQL ``integer`` column cannot hold."""
    for name, value in vals.items():
        field = model._fields.get(name)
        if not field or field.type != "integer" or value in (None, False):
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            try:
                value = int(value)
            except (TypeError, ValueError):
                value = None
        if value is None or not INT_MIN <= value <= INT_MAX:
            raise ValidationError(
                model.env._(
                    "%(field)s must be a whole number between %(min)s and %(max)s.",
                    field=field._description_string(model.env),
                    min=INT_MIN,
                    max=INT_MAX,
                )
            )


def check_range(record, name, low=None, high=None):
    """Refuse ``record[name]`` outside [low, high] naming the field and the bounds."""
    value = record[name]
    if (low is None or value >= low) and (high is None or value <= high):
        return
    env = record.env
    label = record._fields[name]._description_string(env)
    if high is None:
        message = env._("%(field)s must be at least %(min)s.", field=label, min=low)
    elif low is None:
        message = env._("%(field)s must be at most %(max)s.", field=label, max=high)
    else:
        message = env._(
            "%(field)s must be between %(min)s and %(max)s.",
            field=label,
            min=low,
            max=high,
        )
    raise ValidationError(message)


def check_company_move(records, vals):
    """Refuse moving ``records`` into a company that is not the user's: Odoo
    checks record rules on a record before a write, not on its new company."""
    company_id = vals.get("company_id")
    env = records.env
    if company_id and not env.su and company_id not in env.user.company_ids.ids:
        raise AccessError(
            env._("You cannot move a record into a company that is not yours.")
        )


def require_group(env, group, message):
    """Raise ``AccessError(message)`` unless the user has ``group`` (the
    superuser, i.e. the addon's own code after its checks, always has)."""
    if env.su or env.user.has_group(group):
        return
    raise AccessError(message)
