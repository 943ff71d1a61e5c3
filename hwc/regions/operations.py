"""Changes to the region tree.

An administrator reads and changes only the regions of their own subtree, and places regions
only inside it; only the root administrator adds or moves a region to the top level.
``add_region`` and ``update_region`` check that themselves and write the audit trail; the tree
primitives below them (``create_region``, ``upsert_region``, ``move_region``) serve the demo
loader and tests."""

from hwc.extensions import db
from hwc.regions.models import PATH_SEPARATOR, Region, RegionLevel


class InvalidRegion(ValueError):
    """A region that cannot be placed in the tree as asked."""


class ParentOutsideScope(InvalidRegion):
    """The actor may not place a region there: inside a region outside their scope, or at the
    top level (``args[1]`` is None), which only the root administrator may use."""


class RegionNotFound(LookupError):
    """No region with that code, or one outside the actor's scope: both answer alike."""


def regions_in_scope(actor) -> list[Region]:
    """The regions ``actor`` administers, in tree order (none for anyone but administrators)."""
    roots = [root for root in actor.scope_regions if actor.administers(root)]
    return list(db.session.scalars(Region.subtree(*roots)))


def get_region(code: str, *, actor) -> Region:
    """The region with this code if ``actor`` administers it; else ``RegionNotFound``."""
    region = Region.by_code(code)
    if region is None or not actor.administers(region):
        raise RegionNotFound(code)
    return region


def _check_parent(actor, code: str, parent: Region | None) -> None:
    if actor is not None and not actor.administers(parent):
        raise ParentOutsideScope(code, parent.code if parent is not None else None)


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
    """Create a region inside ``parent`` and record it in the audit trail. ``actor`` (None: the
    system) must administer ``parent``, else ``ParentOutsideScope``."""
    from hwc.audit.trail import record_event

    _check_parent(actor, code, parent)
    region = create_region(code, level, names, parent)
    record_event("region_created", actor=actor, changes={"region": region.code,
                                                         **snapshot(region)})
    return region


def update_region(region: Region, level, names: dict[str, str], parent: Region | None, *,
                  actor) -> dict:
    """Change a region's level, names and parent; record what changed (nothing if nothing
    did) and return those changes. ``actor`` (None: the system) must administer the region
    (else ``RegionNotFound``) and, to move it, the new parent (else ``ParentOutsideScope``).
    Raises ``InvalidRegion`` for a move into its own subtree."""
    from hwc.audit.trail import changed_values, record_event

    if actor is not None and not actor.administers(region):
        raise RegionNotFound(region.code)
    if region.parent_id != (parent.id if parent is not None else None):
        _check_parent(actor, region.code, parent)
    before = snapshot(region)
    upsert_region(region.code, level, names, parent)
    after = snapshot(region)
    changes = changed_values(before, after)
    if changes:
        record_event("region_updated", actor=actor, changes={"region": region.code, **changes})
    return changes
