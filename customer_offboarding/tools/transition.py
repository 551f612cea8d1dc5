"""The value object a lifecycle move carries from its caller to the engine,
and the checks of what a caller gives for it (note, reason, end date)."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from odoo import fields
from odoo.exceptions import UserError

from ..const import MAX_END_DAYS, MAX_NOTE_LENGTH, OPERATIONS, REASON_REQUIRED


@dataclass(frozen=True)
class Transition:
    """One move of a set of customers in ``company``, as the engine applies it.

    ``operation`` is a key of ``const.OPERATIONS``, or ``"revert"`` (a run's
    undo) with the status it goes back to in ``revert_to``. ``reason`` is
    written on the cases (and on the events); ``open_reason`` is only the
    reason of the cases this move opens when ``reason`` is empty (a
    retirement keeps the reason of an existing case). ``closing_state``
    overrides how a move back to active closes the case (a reactivation
    request closes it as reactivated even when it calls off a notice
    period); ``notify`` is False for moves the customer is not told about
    (an undo, Odoo's Unarchive).
    """

    operation: str
    company: Any
    reason: Any = None
    open_reason: Any = None
    end_date: Any = False
    note: Any = False
    origin: str = "manual"
    rule: Any = None
    run: Any = None
    closing_state: Any = None
    notify: bool = True
    revert_to: Any = None

    @property
    def target(self):
        """The status the customers move to."""
        return self.revert_to or OPERATIONS[self.operation].target

    @property
    def sources(self):
        """The statuses the customers may move from."""
        return OPERATIONS[self.operation].sources

    @property
    def rule_id(self):
        """The id of the rule the ledger names, or None."""
        return self.rule.id if self.rule else None

    @property
    def run_id(self):
        """The id of the run the ledger names, or None."""
        return self.run.id if self.run else None


def clean_note(env, note):
    """The note of a move: text of at most MAX_NOTE_LENGTH characters."""
    if note in (None, False):
        return False
    if not isinstance(note, str):
        raise UserError(env._("The offboarding note must be text."))
    if len(note) > MAX_NOTE_LENGTH:
        raise UserError(
            env._(
                "The offboarding note is too long: at most %(max)s characters.",
                max=MAX_NOTE_LENGTH,
            )
        )
    return note.strip() or False


def resolve_reason(env, operation, reason_code):
    """The reason record of ``reason_code``; empty where the move keeps the
    case's reason (starting and retiring without one)."""
    Reason = env["customer.offboarding.reason"]
    policy = OPERATIONS[operation].reason
    if not policy or (reason_code in (None, False) and policy != REASON_REQUIRED):
        return Reason
    if not isinstance(reason_code, str) or not reason_code:
        raise UserError(env._("Give the reason code of this offboarding."))
    reason = Reason.sudo()._get_by_code(reason_code)
    if not reason:
        raise UserError(
            env._(
                "There is no active offboarding reason with the code “%(code)s”.",
                code=reason_code,
            )
        )
    return reason


def resolve_end_date(env, operation, end_date, company):
    """The service end date a start announces (default: the notice period)."""
    if not OPERATIONS[operation].takes_end_date:
        return False
    today = fields.Date.context_today(env.user)
    if end_date in (None, False, ""):
        return today + timedelta(days=company.offboarding_notice_days)
    end_date = _parse_date(env, end_date)
    if end_date < today:
        raise UserError(
            env._(
                "The service end date %(date)s is in the past.",
                date=fields.Date.to_string(end_date),
            )
        )
    if end_date > today + timedelta(days=MAX_END_DAYS):
        raise UserError(
            env._(
                "The service end date %(date)s is too far ahead: give a date "
                "within ten years.",
                date=fields.Date.to_string(end_date),
            )
        )
    return end_date


def _parse_date(env, value):
    if isinstance(value, str) and len(value.strip()) != 10:
        value = None  # Odoo would read the first ten characters only
    try:
        value = value and fields.Date.to_date(value)
    except (TypeError, ValueError, OverflowError):
        value = None
    if not value:
        raise UserError(env._("The service end date must be a date (YYYY-MM-DD)."))
    return value
