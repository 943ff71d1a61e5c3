"""Where each role lands after logging in."""

LANDING = {
    "village_officer": "claims.my_claims",
    "verifier": "claims.queue",
    "approver": "claims.queue",
    "finance": "claims.queue",
    "auditor": "dashboard.dashboard",
    "admin": "accounts.users",
}


def landing_endpoint(user) -> str:
    return LANDING.get(str(user.role), "core.workspace")
