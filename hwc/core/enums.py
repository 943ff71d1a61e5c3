"""Enums whose members carry a translated title (``Species.amur_tiger.title``)."""

from enum import StrEnum

_TITLES: dict[type, dict[str, object]] = {}


class TitledEnum(StrEnum):
    """A string enum stored by value; ``title`` is its label in the reader's language."""

    @property
    def title(self) -> str:
        return str(_TITLES[type(self)][self.value])

    @classmethod
    def choices(cls) -> list:
        """The members as select options, labelled by their (lazily translated) titles, so a
        form class may build them once at import."""
        from hwc.core.choices import choices

        return choices((member.value, _TITLES[cls][member.value]) for member in cls)


def set_titles(enum: type[TitledEnum], titles: dict[str, object]) -> None:
    """Register the (lazily translated) titles of ``enum``; every member must have one."""
    missing = {member.value for member in enum} - set(titles)
    if missing:
        raise ValueError(f"{enum.__name__} members without a title: {sorted(missing)}")
    _TITLES[enum] = titles
