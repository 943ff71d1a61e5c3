"""The claim state machine as data: every transition, who may make it, its guards and effects.

This table is the only place that says which status follows which; ``perform`` in
``hwc.workflow.service`` is the only code that writes ``Claim.status``.
"""

from dataclasses import dataclass, field

from hwc.accounts.models import Role
from hwc.claims.models import ClaimStatus as S

INITIAL_STATUS = S.draft
EDITABLE_STATUSES = frozenset({S.draft, S.returned})
PAYING_STATUSES = frozenset({S.approved, S.voucher_issued})  # approved and not yet paid
BEFORE_APPROVAL = frozenset({S.draft, S.submitted, S.under_verification, S.returned, S.verified,
                             S.awaiting_second_approval})

# Reason codes for returns and rejections (titles in hwc.workflow.reasons).
REJECTION_REASONS = ("not_wildlife", "outside_area", "insufficient_evidence", "duplicate",
                     "late_report", "not_eligible", "fraud_suspected", "other")


# Segregation of duties: one person never does two of these on the same claim, in any round.
FILE, VERIFY, APPROVE, PAY = "file", "verify", "approve", "pay"
# The public's one step (objecting to a claim on notice): no user's duty, no user's role.
OBJECT = "object"


class PublicActor:
    """Anyone, not logged in: the actor of an objection to a claim on public notice (公示). Its
    role is in no user's reach (no ``Role`` is "public"), so the table lets no user object, and
    the public nothing else; its audit events have no actor."""

    id = None
    role = "public"
    senior = False

    def can_see_region(self, region) -> bool:
        return True  # the notice is public: which claims are on it is the step's guard

    def __repr__(self) -> str:
        return "<PublicActor>"


PUBLIC = PublicActor()
# Audit events that are not transitions but still count as doing a duty.
DUTY_OF_EVENT = {"create": FILE, "update": FILE}


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset
    target: S
    roles: frozenset
    duty: str
    # Names of guard functions in hwc.workflow.guards, checked in order.
    guards: tuple[str, ...] = ()
    # Name of the effect in hwc.workflow.effects that applies the action's data.
    effect: str | None = None
    comment_required: bool = False
    # Where the effect may send the claim instead of ``target`` (approval above the threshold).
    other_targets: frozenset = field(default=frozenset())
    # Taken when someone asks (the claimant withdraws or appeals), not a step the claim waits
    # for: it is offered on the claim but never puts the claim in anyone's queue.
    on_request: bool = False


SENIOR_LEVEL = frozenset({S.awaiting_second_approval})
# Every step after filing checks that its actor did no other duty on the claim before.
SEPARATE = ("separate_duties",)

TRANSITIONS: tuple[Transition, ...] = (
    Transition("submit", frozenset({S.draft}), S.submitted, frozenset({Role.village_officer}),
               FILE, guards=("separate_duties", "has_losses", "photo_for_livestock"),
               effect="submitted"),
    Transition("start_verification", frozenset({S.submitted}), S.under_verification,
               frozenset({Role.verifier}), VERIFY, guards=SEPARATE),
    Transition("return", frozenset({S.under_verification}), S.returned,
               frozenset({Role.verifier}), VERIFY, guards=SEPARATE, comment_required=True),
    Transition("resubmit", frozenset({S.returned}), S.submitted,
               frozenset({Role.village_officer}), FILE,
               guards=("separate_duties", "has_losses", "photo_for_livestock"),
               effect="resubmitted"),
    Transition("verify", frozenset({S.under_verification}), S.verified,
               frozenset({Role.verifier}), VERIFY, guards=SEPARATE, effect="verified"),
    Transition("propose_rejection", frozenset({S.under_verification}), S.rejected,
               frozenset({Role.verifier}), VERIFY, guards=SEPARATE, effect="rejected",
               comment_required=True),
    Transition("approve", frozenset({S.verified}), S.approved, frozenset({Role.approver}),
               APPROVE, guards=SEPARATE, effect="approved",
               other_targets=frozenset({S.awaiting_second_approval})),
    Transition("approve", SENIOR_LEVEL, S.approved, frozenset({Role.approver}), APPROVE,
               guards=("senior", "separate_duties", "not_first_approver"),
               effect="second_approved"),
    Transition("reject", frozenset({S.verified}), S.rejected, frozenset({Role.approver}),
               APPROVE, guards=SEPARATE, effect="rejected", comment_required=True),
    Transition("reject", SENIOR_LEVEL, S.rejected, frozenset({Role.approver}), APPROVE,
               guards=("senior", "separate_duties"), effect="rejected",
               comment_required=True),
    Transition("send_back", frozenset({S.verified}), S.under_verification,
               frozenset({Role.approver}), APPROVE, guards=SEPARATE, effect="sent_back",
               comment_required=True),
    Transition("send_back", SENIOR_LEVEL, S.under_verification, frozenset({Role.approver}),
               APPROVE, guards=("senior", "separate_duties"), effect="sent_back",
               comment_required=True),
    Transition("appeal", frozenset({S.rejected}), S.under_verification,
               frozenset({Role.village_officer}), FILE, guards=SEPARATE, effect="appealed",
               comment_required=True, on_request=True),
    Transition("withdraw", BEFORE_APPROVAL, S.withdrawn, frozenset({Role.village_officer}),
               FILE, guards=SEPARATE, effect="decided", comment_required=True,
               on_request=True),
    # Paying: the effects live with the vouchers (hwc.vouchers.effects). Finance never pays a
    # claim it filed, verified or approved. Voiding returns the claim to approved, so that a
    # new voucher (a new number) can be issued; it is asked for, not awaited.
    Transition("issue_voucher", frozenset({S.approved}), S.voucher_issued,
               frozenset({Role.finance}), PAY, guards=("not_on_notice", *SEPARATE),
               effect="voucher_issued"),
    Transition("record_payment", frozenset({S.voucher_issued}), S.paid,
               frozenset({Role.finance}), PAY, guards=SEPARATE, effect="payment_recorded"),
    Transition("void_voucher", frozenset({S.voucher_issued}), S.approved,
               frozenset({Role.finance}), PAY, guards=SEPARATE, effect="voucher_voided",
               comment_required=True, on_request=True),
    # Public notice (公示): anyone may object while an approved claim is on notice, which sends
    # it back to verification (hwc.notice.operations.lodge_objection takes this step).
    Transition("object", frozenset({S.approved}), S.under_verification,
               frozenset({PUBLIC.role}), OBJECT, guards=("on_notice",), effect="objected",
               comment_required=True, on_request=True),
)

ACTIONS = tuple(dict.fromkeys(t.action for t in TRANSITIONS))

# What else a user may do to a claim, each allowed exactly when the table lets the user take one
# of these transitions on it now (data permitting): editing and photos belong to whoever may send
# the claim on, warnings are acknowledged by whoever may decide it. ``view`` needs only the claim
# in the user's area; ``batch_approve`` is ``approve`` once every flag has been acknowledged.
CLAIM_ACTIONS: dict[str, tuple[str, ...]] = {
    "edit": ("submit", "resubmit"),
    "add_evidence": ("submit", "resubmit", "verify"),
    "delete_evidence": ("submit", "resubmit", "verify"),  # which photos: claims.evidence
    "acknowledge_flags": tuple(dict.fromkeys(t.action for t in TRANSITIONS if t.duty != FILE)),
}
VIEW, BATCH_APPROVE = "view", "batch_approve"

# What each action reads from a request besides ``comment`` and ``version`` (resubmit: the
# sections of the claim it changes). The API refuses any other field, so a misspelt one is never
# silently ignored.
ACTION_FIELDS: dict[str, tuple[str, ...]] = {
    "resubmit": ("claimant", "incident", "losses"),
    "verify": ("assessed", "findings"),
    "propose_rejection": ("reason",),
    "reject": ("reason",),
    "record_payment": ("method", "reference", "paid_on"),
}


DUTY_OF_EVENT.update({t.action: t.duty for t in TRANSITIONS})


def transitions_for(action: str) -> list[Transition]:
    return [t for t in TRANSITIONS if t.action == action]


def find_transition(action: str, status: S) -> Transition | None:
    return next((t for t in transitions_for(action) if status in t.sources), None)


def reachable_statuses() -> set[S]:
    targets = {INITIAL_STATUS}
    for transition in TRANSITIONS:
        targets |= {transition.target, *transition.other_targets}
    return targets
