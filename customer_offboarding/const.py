"""Offboarding lifecycle shared by partners, cases and events."""

from dataclasses import dataclass

from odoo.tools.translate import LazyGettext, LazyTranslate

_lt = LazyTranslate(__name__)

# Partner lifecycle, per company (the order is the status bar order).
PARTNER_STATES = [
    ("active", "Active"),
    ("at_risk", "At Risk"),
    ("retiring", "Retiring"),
    ("retired", "Retired"),
    ("archived", "Archived"),
    # Terminal: the customer's personal data was erased (data disposal).
    ("anonymized", "Anonymized"),
]

# A case mirrors its partner's state while it is open, then records how it
# ended: cancelled, reactivated, or anonymized (the partner keeps that status).
CASE_OPEN_STATES = ("at_risk", "retiring", "retired", "archived")
# The statuses whose customers may be anonymized (data disposal).
DISPOSABLE_STATES = ("retired", "archived")
CASE_STATES = [state for state in PARTNER_STATES if state[0] != "active"] + [
    ("cancelled", "Cancelled"),
    ("reactivated", "Reactivated"),
]

TIERS = [
    ("high", "High"),
    ("mid", "Mid"),
    ("low", "Low"),
]

# Lifecycle moves: every place that needs the legal moves (the engine, the
# partner's buttons and wizard, rules' actions, a run's undo, reactivation
# requests, notices) derives them from this table. A move not in it is refused
# and nothing is written.
REASON_REQUIRED = "required"  # a reason is given (the move opens a case)
REASON_KEPT = "kept"  # the case's reason is kept; a case it opens needs one
REASON_KEPT_OR_OTHER = "kept_or_other"  # kept; a case it opens gets "Other"


# eq=False: compared and hashed by identity (a lazy label cannot be hashed).
@dataclass(frozen=True, eq=False)
class Operation:
    """One public lifecycle move of ``res.partner`` (``offboarding_<name>``)."""

    name: str
    # The wizard's and buttons' label; ``verb`` completes "Only offboarding
    # managers can … these customers".
    label: str
    verb: LazyGettext
    target: str
    sources: tuple
    # The statuses a plain offboarding user may move from (managers: all).
    user_sources: tuple = ()
    reason: str | None = None
    takes_end_date: bool = False
    # How the case closes when the move goes back to active.
    closing_state: str | None = None
    # As a rule's action: the moves it makes, in order (a rule never skips a
    # step: archive retires first).
    rule_steps: tuple = ()


OPERATIONS = {
    op.name: op
    for op in (
        Operation(
            "flag",
            "Flag at Risk",
            _lt("flag"),
            "at_risk",
            ("active",),
            user_sources=("active",),
            reason=REASON_REQUIRED,
            rule_steps=("flag",),
        ),
        Operation(
            "start",
            "Start Offboarding",
            _lt("start offboarding of"),
            "retiring",
            ("active", "at_risk"),
            reason=REASON_KEPT,
            takes_end_date=True,
            rule_steps=("start",),
        ),
        Operation(
            "retire",
            "Retire",
            _lt("retire"),
            "retired",
            ("active", "at_risk", "retiring"),
            reason=REASON_KEPT_OR_OTHER,
            rule_steps=("retire",),
        ),
        Operation(
            "archive",
            "Archive",
            _lt("archive"),
            "archived",
            ("retired",),
            rule_steps=("retire", "archive"),
        ),
        Operation(
            "reactivate",
            "Reactivate",
            _lt("reactivate"),
            "active",
            ("retired", "archived"),
            closing_state="reactivated",
        ),
        Operation(
            "cancel",
            "Cancel Offboarding",
            _lt("cancel the offboarding of"),
            "active",
            ("at_risk", "retiring"),
            user_sources=("at_risk",),
            closing_state="cancelled",
        ),
        # Data disposal: terminal, never a rule's action (the disposal cron
        # anonymizes on the date; managers anonymize now).
        Operation(
            "anonymize",
            "Anonymize Now",
            _lt("anonymize"),
            "anonymized",
            DISPOSABLE_STATES,
        ),
    )
}
# Every legal (from, to) pair of statuses.
LEGAL_MOVES = frozenset(
    (source, op.target) for op in OPERATIONS.values() for source in op.sources
)
# The wizard's choices, and the rules' actions with the statuses each moves from.
OPERATION_SELECTION = [(op.name, op.label) for op in OPERATIONS.values()]
RULE_ACTIONS = [(op.name, op.label) for op in OPERATIONS.values() if op.rule_steps]
RULE_ACTION_SOURCES = {
    op.name: tuple(
        state
        for state, _label in PARTNER_STATES
        if any(state in OPERATIONS[step].sources for step in op.rule_steps)
    )
    for op in OPERATIONS.values()
    if op.rule_steps
}

# How a tier is told: a personal contact (call first, manager approval, sent by
# the owner), a standard notice naming a human contact, or an automated notice.
NOTICE_MODES = [
    ("personal", "Personal"),
    ("standard", "Standard with a human contact"),
    ("automated", "Automated"),
]

# Partner-facing notices, at most one of each kind per case.
NOTICE_KINDS = [
    ("retirement", "Retirement Notice"),
    ("reminder", "Service-End Reminder"),
    ("retired", "Retired Confirmation"),
    ("welcome_back", "Welcome Back"),
]

# Which notice a transition's target (or a case's closing state) causes.
NOTICE_ON_STATE = {
    "retiring": "retirement",
    "retired": "retired",
    "reactivated": "welcome_back",
}

# What entering a forward status writes on the case (its dates) and the
# notices that belong to it: an undo back to an earlier status clears the
# dates of the later ones and cancels their notices not sent yet.
STATE_CASE_DATES = {
    "at_risk": (),
    "retiring": ("notice_date", "end_date"),
    "retired": ("retired_date",),
    "archived": ("archived_date",),
    "anonymized": ("anonymized_date",),
}
STATE_NOTICE_KINDS = {
    "at_risk": (),
    "retiring": ("retirement", "reminder"),
    "retired": ("retired",),
    "archived": (),
    "anonymized": (),
}


def later_states(state):
    """The forward statuses after ``state``, in lifecycle order."""
    order = [name for name, _label in PARTNER_STATES]
    return order[order.index(state) + 1 :]


# A notice's state follows its mail once queued (sent, or delivery failed).
NOTICE_STATES = [
    ("to_approve", "Waiting for Approval"),
    ("queued", "Queued"),
    ("sent", "Sent"),
    ("failed", "Delivery Failed"),
    ("no_email", "No Email Address"),
    ("cancelled", "Cancelled"),
]
# Notices that went out, or are on their way (a retirement that was announced).
NOTICE_GONE_STATES = ("queued", "sent", "failed")
# mail.mail state -> notice state.
MAIL_NOTICE_STATES = {
    "outgoing": "queued",
    "sent": "sent",
    "received": "sent",
    "exception": "failed",
    "cancel": "cancelled",
}

# What the customer's signed links can do.
PORTAL_PURPOSES = ("view", "export", "stay", "keep_in_touch")

REQUEST_SOURCES = [
    ("customer", "Customer"),
    ("salesperson", "Salesperson"),
    ("automatic", "Automatic"),
]
REQUEST_STATES = [
    ("submitted", "Submitted"),
    ("approved", "Approved"),
    ("refused", "Refused"),
]

# The addon's two groups (contract XML ids).
USER_GROUP = "customer_offboarding.group_offboarding_user"
MANAGER_GROUP = "customer_offboarding.group_offboarding_manager"

# Workers of one rule run, at most (each holds a database connection).
MAX_RUN_WORKERS = 8

# Bounds of what people type: an end of service at most ten years ahead, notes
# of at most 10,000 characters (they are stored on the event and in the chatter).
MAX_END_DAYS = 3660
MAX_NOTE_LENGTH = 10000
