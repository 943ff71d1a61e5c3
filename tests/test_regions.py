"""The region tree: subtree queries (the basis of every jurisdiction filter) and names."""

import pytest
from flask_babel import force_locale

from hwc.extensions import db
from hwc.regions.models import Region
from hwc.regions.operations import InvalidRegion, create_region, move_region


def codes(select_):
    return [r.code for r in db.session.scalars(select_)]


def test_subtree_holds_the_root_and_every_descendant(ctx, demo):
    township = Region.by_code("CN-JL-HC-CH")
    assert codes(Region.subtree(township)) == [
        "CN-JL-HC-CH", "CN-JL-HC-CH-CC", "CN-JL-HC-CH-CM", "CN-JL-HC-CH-DA"]


def test_subtree_of_several_roots_and_of_none(ctx, demo):
    both = codes(Region.subtree(Region.by_code("CN-JL-HC-MD"), Region.by_code("RU-PRI-KHS")))
    assert "CN-JL-HC-MD-TZ" in both and "RU-PRI-KHS-KR" in both and "CN-JL-HC-CH" not in both
    assert codes(Region.subtree()) == []


def test_subtree_does_not_leak_into_a_sibling_with_a_longer_code(ctx):
    parent = create_region("P", "county", {"en": "P"})
    a = create_region("A", "township", {"en": "A"}, parent)
    create_region("A1", "township", {"en": "A1"}, parent)
    create_region("A_", "township", {"en": "A_"}, parent)  # LIKE wildcard in a code
    assert codes(Region.subtree(a)) == ["A"]


def test_subtree_of_a_deep_tree(ctx):
    node = create_region("L0", "country", {"en": "L0"})
    root = node
    for depth in range(1, 9):
        node = create_region(f"L{depth}", "village", {"en": f"L{depth}"}, node)
    assert len(codes(Region.subtree(root))) == 9
    assert node.is_within(root) and not root.is_within(node)
    assert [r.code for r in node.ancestors()] == [f"L{i}" for i in range(8)]


def test_moving_a_region_moves_its_subtree(ctx, demo):
    village = Region.by_code("CN-JL-HC-CH-CM")
    move_region(Region.by_code("CN-JL-HC-CH"), Region.by_code("CN-JL"))
    assert village.path == "/CN/CN-JL/CN-JL-HC-CH/CN-JL-HC-CH-CM/"
    assert "CN-JL-HC-CH-CM" not in codes(Region.subtree(Region.by_code("CN-JL-HC")))


def test_a_region_cannot_move_under_its_own_descendant(ctx, demo):
    with pytest.raises(InvalidRegion):
        move_region(Region.by_code("CN-JL-HC"), Region.by_code("CN-JL-HC-CH"))


@pytest.mark.parametrize("code", ["", "A/B", "X" * 33])
def test_bad_codes_are_refused(ctx, code):
    with pytest.raises(InvalidRegion):
        create_region(code, "village", {"en": "x"})


@pytest.mark.parametrize(("locale", "name"), [
    ("zh_Hans", "珲春市"), ("ru", "Хуньчунь"), ("ko", "훈춘시"), ("en", "Hunchun")])
def test_region_names_follow_the_readers_locale(app, ctx, demo, locale, name):
    with app.test_request_context(), force_locale(locale):
        assert Region.by_code("CN-JL-HC").display_name() == name


def test_region_name_falls_back_to_english_then_code(ctx):
    only_en = create_region("E", "village", {"en": "Only English"})
    nameless = create_region("N", "village", {})
    assert only_en.display_name("ko") == "Only English"
    assert nameless.display_name("ru") == "N"
    zh = create_region("Z", "village", {"zh_Hans": "中文名"})
    assert zh.display_name("zh") == "中文名"
