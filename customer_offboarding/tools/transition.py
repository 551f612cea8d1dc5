"""The value object a lifecycle move carries from its caller to the engine."""

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Transition:
    """One move of a set of customers, as the engine applies it.

    ``reason`` is written on the cases (and on the events); ``open_reason`` is
    only the reason of the cases this move opens when ``reason`` is empty
    (a retirement keeps the reason of an existing case). ``closing_state``
    overrides how a move back to active closes the case (a reactivation
    request closes it as reactivated even when it calls off a notice period);
    ``notify`` is False for moves the customer is not told about (an undo).
    """

    operation: str
    reason: Any = None
    open_reason: Any = None
    end_date: Any = False
    note: Any = False
    origin: str = "manual"
    rule: Any = None
    run: Any = None
    closing_state: Any = None
    notify: bool = True

    @property
    def source(self):
        """The rule and run ids the ledger records."""
        return {
            "rule": self.rule.id if self.rule else None,
            "run": self.run.id if self.run else None,
        }
