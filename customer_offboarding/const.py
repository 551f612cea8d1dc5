"""Offboarding lifecycle shared by partners, cases and events."""

# Partner lifecycle, per company (the order is the status bar order).
PARTNER_STATES = [
    ("active", "Active"),
    ("at_risk", "At Risk"),
    ("retiring", "Retiring"),
    ("retired", "Retired"),
    ("archived", "Archived"),
]

# A case mirrors its partner's state while it is open, then records how it ended.
CASE_OPEN_STATES = ("at_risk", "retiring", "retired", "archived")
CASE_STATES = [state for state in PARTNER_STATES if state[0] != "active"] + [
    ("cancelled", "Cancelled"),
    ("reactivated", "Reactivated"),
]

TIERS = [
    ("high", "High"),
    ("mid", "Mid"),
    ("low", "Low"),
]

# The only legal moves: any other pair is refused and nothing is written.
TRANSITIONS = {
    "active": ("at_risk", "retiring", "retired"),
    "at_risk": ("retiring", "retired", "active"),
    "retiring": ("retired", "active"),
    "retired": ("archived", "active"),
    "archived": ("active",),
}

# Public method -> (target state, states it may start from).
OPERATIONS = {
    "flag": ("at_risk", ("active",)),
    "start": ("retiring", ("active", "at_risk")),
    "retire": ("retired", ("active", "at_risk", "retiring")),
    "archive": ("archived", ("retired",)),
    "reactivate": ("active", ("retired", "archived")),
    "cancel": ("active", ("at_risk", "retiring")),
}

# What closes a case when its partner goes back to active.
CLOSING_STATE = {"cancel": "cancelled", "reactivate": "reactivated"}

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
