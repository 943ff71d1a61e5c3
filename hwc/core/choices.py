"""Options for WTForms select fields (WTForms 3.3 wants ``SelectChoice`` objects, not tuples)."""

from collections.abc import Iterable

from wtforms.fields.choices import SelectChoice


def choices(pairs: Iterable[tuple[str, object]]) -> list[SelectChoice]:
    """``[(value, label), …]`` as select options; labels may be lazy translations."""
    return [SelectChoice(str(value), label) for value, label in pairs]
