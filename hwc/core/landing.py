"""Where each role lands after logging in."""

# Later features point roles at their own queues; until then every role lands on its workspace.
LANDING = {
    "village_officer": "core.workspace",
    "verifier": "core.workspace",
    "approver": "core.workspace",
    "finance": "core.workspace",
    "auditor": "core.workspace",
    "admin": "accounts.users",
}


def landing_endpoint(user) -> str:
    return LANDING.get(str(user.role), "core.workspace")
