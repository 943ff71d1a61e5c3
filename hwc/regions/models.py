"""The region tree, stored with a materialised path so that a subtree is one indexed query."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Select, String, select
from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hwc.core.enums import TitledEnum, set_titles
from hwc.extensions import db

PATH_SEPARATOR = "/"


class RegionLevel(TitledEnum):
    country = "country"
    province = "province"
    county = "county"
    township = "township"
    village = "village"


set_titles(RegionLevel, {
    "country": _l("Country"), "province": _l("Province"), "county": _l("County"),
    "township": _l("Township"), "village": _l("Village"),
})


class Region(db.Model):
    __tablename__ = "regions"
    __table_args__ = (CheckConstraint("code <> ''", name="code_not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    level: Mapped[RegionLevel] = mapped_column(
        SAEnum(RegionLevel, native_enum=False, create_constraint=True, length=16,
               name="region_level")
    )
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    # "/CN/CN-22/HUNCHUN/" — the codes from the root; a subtree is a prefix match.
    path: Mapped[str] = mapped_column(String(512), unique=True)
    names: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)

    parent: Mapped["Region | None"] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Region"]] = relationship(
        back_populates="parent", order_by="Region.code"
    )

    def __repr__(self) -> str:
        return f"<Region {self.code} {self.level}>"

    def display_name(self, locale: str | None = None) -> str:
        """The name in ``locale`` (default: the reader's), falling back by language, then
        English, then any name, then the code."""
        from hwc.core.i18n import name_in_locale

        return name_in_locale(self.names, self.code, locale)

    def is_within(self, other: "Region") -> bool:
        """True if this region is ``other`` or lies in its subtree."""
        return self.path.startswith(other.path)

    def ancestors(self) -> list["Region"]:
        """From the root down to the parent."""
        chain, node = [], self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))

    @staticmethod
    def subtree_ids(*roots: "Region") -> Select:
        """SELECT of the ids of every region in the subtrees of ``roots`` (the roots included).

        This is the one jurisdiction helper: every scoped query filters with it.
        """
        if not roots:
            return select(Region.id).where(db.false())
        condition = db.or_(*(Region.path.startswith(root.path, autoescape=True) for root in roots))
        return select(Region.id).where(condition)

    @classmethod
    def subtree(cls, *roots: "Region") -> Select:
        """SELECT of the regions in the subtrees of ``roots``, ordered by path."""
        return select(cls).where(cls.id.in_(cls.subtree_ids(*roots))).order_by(cls.path)

    @classmethod
    def by_code(cls, code: str) -> "Region | None":
        return db.session.scalar(select(cls).where(cls.code == code))
