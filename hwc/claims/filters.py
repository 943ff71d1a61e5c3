"""Reading the claim filters of a query string (queue page, exports, API) and applying them: one
parser, so that every place accepts the same values and says the same thing about bad ones."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import Select

from hwc.accounts.models import User
from hwc.claims.models import Claim, ClaimStatus, Species
from hwc.core.db import utcnow
from hwc.core.edge import DateOutOfRange, parse_date
from hwc.regions.models import Region
from hwc.workflow.rules import PAYING_STATUSES
from hwc.workflow.service import acts_on_claims, statuses_waiting_on

# The query-string keys of the filters: links to other pages and exports carry only these, never
# whatever else a URL held (``fmt``, ``_scheme``, ``endpoint`` break ``url_for``).
FILTER_ARGS = ("region", "status", "species", "date_from", "date_to", "overdue", "sort")
SORTS = ("due", "reported", "amount", "approved")


@dataclass
class QueueFilters:
    region: Region | None = None
    status: ClaimStatus | None = None
    species: Species | None = None
    date_from: date | None = None
    date_to: date | None = None
    overdue: bool = False
    sort: str = "due"
    after: str | None = None


def filter_args(args) -> dict[str, str]:
    """The filters of ``args`` alone, to carry over to another link."""
    return {name: args[name] for name in FILTER_ARGS if args.get(name)}


def default_sort(user: User) -> str:
    """Those who pay see the oldest approval first; others who act, the nearest deadline;
    those who watch, the newest report."""
    if not acts_on_claims(user):
        return "reported"
    return "approved" if statuses_waiting_on(user) <= PAYING_STATUSES else "due"


def parse_filters(args, user: User) -> tuple[QueueFilters, dict[str, str]]:
    """The filters ``args`` name, and a message for each one that is refused (by key). A region
    outside ``user``'s area is refused like one that does not exist."""
    filters, errors = QueueFilters(), {}
    if args.get("region"):
        filters.region = Region.by_code(args["region"])
        if filters.region is None or not user.can_see_region(filters.region):
            errors["region"] = _("Choose a region in your area.")
            filters.region = None
    for name, enum in (("status", ClaimStatus), ("species", Species)):
        if args.get(name):
            try:
                setattr(filters, name, enum(args[name]))
            except ValueError:
                errors[name] = _("Not one of the allowed values.")
    for name in ("date_from", "date_to"):
        if args.get(name):
            try:
                setattr(filters, name, parse_date(args[name]))
            except DateOutOfRange as error:
                errors[name] = error.message
    filters.overdue = args.get("overdue") == "1"
    filters.sort = args.get("sort") if args.get("sort") in SORTS else default_sort(user)
    filters.after = args.get("after") or None
    return filters, errors


def apply_filters(query: Select, filters: QueueFilters, user: User) -> Select:
    """``query`` narrowed to the region, species, incident dates and overdue claims the
    filters name. Dates are ``user``'s local days (the days of the viewer's own region); a
    region outside ``user``'s area narrows nothing. The status is the caller's: a queue keeps
    to its own statuses."""
    from hwc.regions.settings import settings_for

    if filters.region is not None and user.can_see_region(filters.region):
        query = query.where(Claim.village_id.in_(Region.subtree_ids(filters.region)))
    if filters.species is not None:
        query = query.where(Claim.species == filters.species)
    zone = settings_for(user.region).zone
    if filters.date_from is not None:
        query = query.where(Claim.occurred_at >= datetime.combine(filters.date_from, time(),
                                                                  zone))
    if filters.date_to is not None:
        query = query.where(Claim.occurred_at < datetime.combine(
            filters.date_to + timedelta(days=1), time(), zone))
    if filters.overdue:
        query = query.where(Claim.due_at.is_not(None), Claim.due_at < utcnow())
    return query
