"""Changes to the region tree."""

from hwc.extensions import db
from hwc.regions.models import PATH_SEPARATOR, Region, RegionLevel


class InvalidRegion(ValueError):
    """A region that cannot be placed in the tree as asked."""


def make_path(code: str, parent: Region | None) -> str:
    prefix = parent.path if parent is not None else PATH_SEPARATOR
    return f"{prefix}{code}{PATH_SEPARATOR}"


def create_region(
    code: str, level: RegionLevel | str, names: dict[str, str], parent: Region | None = None
) -> Region:
    """Add a region under ``parent``; codes are unique and never contain the path separator."""
    if not code or PATH_SEPARATOR in code or len(code) > 32:
        raise InvalidRegion(code)
    region = Region(
        code=code, level=RegionLevel(level), names=dict(names), parent=parent,
        path=make_path(code, parent),
    )
    db.session.add(region)
    db.session.flush()
    return region


def upsert_region(
    code: str, level: RegionLevel | str, names: dict[str, str], parent: Region | None = None
) -> Region:
    """Create the region, or bring an existing one's level, names and parent up to date."""
    region = Region.by_code(code)
    if region is None:
        return create_region(code, level, names, parent)
    region.level = RegionLevel(level)
    region.names = dict(names)
    if region.parent_id != (parent.id if parent else None):
        move_region(region, parent)
    db.session.flush()
    return region


def move_region(region: Region, parent: Region | None) -> None:
    """Re-hang ``region`` (and its subtree) under ``parent``."""
    if parent is not None and parent.is_within(region):
        raise InvalidRegion(region.code)
    old_prefix = region.path
    new_prefix = make_path(region.code, parent)
    for node in db.session.scalars(Region.subtree(region)).all():
        node.path = new_prefix + node.path[len(old_prefix):]
    region.parent = parent
    db.session.flush()


def snapshot(region: Region) -> dict:
    """The region's values as the audit trail records them."""
    return {"level": str(region.level), "parent": region.parent.code if region.parent else None,
            "names": dict(region.names or {})}


def add_region(code: str, level, names: dict[str, str], parent: Region | None, *,
               actor) -> Region:
    """Create a region and record it in the audit trail."""
    from hwc.audit.trail import record_event

    region = create_region(code, level, names, parent)
    record_event("region_created", actor=actor, changes={"region": region.code,
                                                         **snapshot(region)})
    return region


def update_region(region: Region, level, names: dict[str, str], parent: Region | None, *,
                  actor) -> dict:
    """Change a region's level, names and parent; record what changed (nothing if nothing
    did) and return those changes. Raises ``InvalidRegion`` for a move into its own subtree."""
    from hwc.audit.trail import changed_values, record_event

    before = snapshot(region)
    upsert_region(region.code, level, names, parent)
    after = snapshot(region)
    changes = changed_values(before, after)
    if changes:
        record_event("region_updated", actor=actor, changes={"region": region.code, **changes})
    return changes
