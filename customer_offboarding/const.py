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
