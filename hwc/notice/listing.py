"""What the public notice shows of each claim on it: no identity number, phone or bank account,
and the claimant's name masked."""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from hwc.claims import money, quantity
from hwc.claims.deadlines import due_day
from hwc.claims.models import Claim
from hwc.core.i18n import format_day
from hwc.extensions import db
from hwc.losses.vocabulary import category_title, unit_title
from hwc.notice.names import mask_name
from hwc.notice.operations import on_notice_now
from hwc.regions.models import Region, RegionLevel
from hwc.regions.settings import jurisdiction_of

PAGE_SIZE = 25
MAX_PAGE = 1000
# The levels a reader may narrow the notice to (a village notice board, its township, its county).
FILTER_LEVELS = (RegionLevel.county, RegionLevel.township, RegionLevel.village)


@dataclass(frozen=True)
class NoticeRow:
    code: str
    name: str  # masked
    village: str
    animal: str
    losses: list[str]  # "Cattle 2 head"
    amount: str
    last_day: str  # the notice's last local day


def claims_on_notice(region: Region | None = None):
    """SELECT of the claims on notice now (in ``region``'s subtree), the soonest ending first."""
    query = on_notice_now()
    if region is not None:
        query = query.where(Claim.village_id.in_(Region.subtree_ids(region)))
    return query.order_by(Claim.notice_until, Claim.code)


def count_on_notice(region: Region | None = None) -> int:
    return db.session.scalar(select(func.count()).select_from(
        claims_on_notice(region).order_by(None).subquery()))


def notice_rows(region: Region | None = None, page: int = 1,
                size: int | None = PAGE_SIZE) -> list[NoticeRow]:
    """One page of the notice (every row when ``size`` is None), in the current locale."""
    query = claims_on_notice(region)
    if size is not None:
        query = query.limit(size).offset((page - 1) * size)
    return [_row(claim) for claim in db.session.scalars(query)]


def _row(claim: Claim) -> NoticeRow:
    zone = jurisdiction_of(claim).zone
    losses = [_("%(loss)s: %(quantity)s %(unit)s", loss=category_title(item.category, item.kind),
                quantity=quantity(item.quantity if item.assessed_quantity is None
                                  else item.assessed_quantity), unit=unit_title(item.unit))
              for item in claim.items]
    return NoticeRow(code=claim.display_code, name=mask_name(claim.claimant.name),
                     village=claim.village.display_name(), animal=str(claim.species.title),
                     losses=losses, amount=money(claim.approved_total, claim.currency),
                     last_day=format_day(due_day(claim.notice_until, zone)))


def notice_regions() -> list[Region]:
    """The counties, townships and villages that have claims on notice now, by path."""
    villages = db.session.scalars(select(Region).where(Region.id.in_(
        on_notice_now().with_only_columns(Claim.village_id).distinct()))).all()
    found = {}
    for village in villages:
        for region in (*village.ancestors(), village):
            if region.level in FILTER_LEVELS:
                found[region.id] = region
    return sorted(found.values(), key=lambda region: region.path)


def region_depth(region: Region) -> int:
    return FILTER_LEVELS.index(region.level) if region.level in FILTER_LEVELS else 0
