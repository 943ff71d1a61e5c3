"""The loss vocabulary (kinds, categories, units) as data: kind and category agree everywhere a
loss comes in, rate schedules name only known categories, and ``rates`` sits below ``claims``."""

import ast
import re
import subprocess
import sys
from datetime import date

import flask_migrate
import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from hwc import PROJECT_ROOT, create_app
from hwc.accounts.models import User
from hwc.audit.models import AuditEvent
from hwc.extensions import db
from hwc.losses.models import LossTerm
from hwc.losses.operations import InvalidTerm, add_term
from hwc.losses.seed import seed_vocabulary
from hwc.losses.vocabulary import vocabulary_at
from hwc.rates.importer import ScheduleImportError, import_schedule
from hwc.regions.models import Region
from tests.conftest import make_test_config
from tests.factories import claim_body, make_claim
from tests.test_filing_pages import CLAIMANT, INCIDENT, errors, start

MISMATCHES = [
    ({"kind": "crop", "category": "cattle", "condition": "damaged", "quantity": "1",
      "unit": "mu"}, "“Cattle” is not a kind of “Crop”"),
    ({"kind": "livestock", "category": "maize", "condition": "dead", "quantity": "1",
      "unit": "head"}, "“Maize” is not a kind of “Livestock”"),
]


YAK_NAMES = {"name_en": "Yak", "name_zh_Hans": "牦牛", "name_ru": "Як", "name_ko": "야크"}
# Today's list, as the code held it before it became data.
TODAYS_KINDS = ["livestock", "crop", "property"]
TODAYS_CATEGORIES = {
    "livestock": ["cattle", "calf", "horse", "sheep", "goat", "pig", "dog", "poultry", "deer",
                  "bee_hive"],
    "crop": ["maize", "rice", "soybean", "potato", "vegetables", "cash_crop", "ginseng"],
    "property": ["house_partial", "fence", "shed", "equipment"],
}
TODAYS_UNITS = {"livestock": {"head", "kg", "item"}, "crop": {"ha", "mu", "acre", "m2", "kg"},
                "property": {"item", "m2"}}


def term_data(**overrides) -> dict:
    """The new-term form filled in for a yak, a livestock category of Hunchun."""
    return {"term_type": "category", "kind": "livestock", "code": "yak", "region": "CN-JL-HC",
            **YAK_NAMES, **overrides}


def english(client):
    client.post("/language", data={"language": "en"})
    return client


# --- kind and category must agree ----------------------------------------------------------

@pytest.mark.parametrize(("loss", "message"), MISMATCHES)
def test_api_refuses_a_category_of_another_kind_naming_the_field(api, loss, message):
    officer = api("officer")
    body = claim_body(losses=[loss])
    response = officer.post("/api/v1/claims", json=body, headers={"Accept-Language": "en"})
    assert response.status_code == 422, response.get_json()
    assert message in response.get_json()["errors"]["losses[0].category"][0]


@pytest.mark.parametrize(("loss", "message"), MISMATCHES)
def test_filing_form_refuses_a_category_of_another_kind(login_as, loss, message):
    officer = english(login_as("officer"))
    base = start(officer)
    assert officer.post(base + "/claimant", data=CLAIMANT).status_code == 302
    assert officer.post(base + "/incident", data=INCIDENT).status_code == 302
    response = officer.post(base + "/losses", data={f"rows-0-{k}": v for k, v in loss.items()})
    assert response.status_code == 422
    assert any(message in error for error in errors(response)), errors(response)


@pytest.mark.parametrize(("loss", "message"), MISMATCHES)
def test_resubmit_refuses_a_category_of_another_kind(app, api, loss, message):
    with app.app_context():
        code = make_claim("returned").code
        db.session.commit()
    response = api("officer").act(code, "resubmit", losses=[loss])
    assert response.status_code == 422
    assert "losses[0].category" in response.get_json()["errors"]


# --- the condition fits the kind: only animals die or are injured ---------------------------

DEAD_MAIZE = {"kind": "crop", "category": "maize", "condition": "dead", "quantity": "2",
              "unit": "mu"}
DEAD_MAIZE_MESSAGE = "“Dead” does not fit “Crop”"


def test_api_refuses_dead_maize_naming_the_condition(api):
    response = api("officer").post("/api/v1/claims", json=claim_body(losses=[DEAD_MAIZE]),
                                   headers={"Accept-Language": "en"})
    assert response.status_code == 422, response.get_json()
    [message] = response.get_json()["errors"]["losses[0].condition"]
    assert message.startswith(DEAD_MAIZE_MESSAGE) and "Damaged" in message


def test_filing_form_refuses_injured_maize(login_as):
    officer = english(login_as("officer"))
    base = start(officer)
    assert officer.post(base + "/claimant", data=CLAIMANT).status_code == 302
    assert officer.post(base + "/incident", data=INCIDENT).status_code == 302
    loss = {**DEAD_MAIZE, "condition": "injured"}
    response = officer.post(base + "/losses", data={f"rows-0-{k}": v for k, v in loss.items()})
    assert response.status_code == 422
    assert any("“Injured” does not fit “Crop”" in error for error in errors(response)), \
        errors(response)


def test_resubmit_refuses_dead_maize_and_keeps_the_claim(app, api):
    with app.app_context():
        code = make_claim("returned").code
        db.session.commit()
    response = api("officer").act(code, "resubmit", losses=[DEAD_MAIZE])
    assert response.status_code == 422
    assert "losses[0].condition" in response.get_json()["errors"]


def test_damaged_crops_and_beehives_and_dead_cattle_are_accepted(api):
    losses = [{**DEAD_MAIZE, "condition": "damaged"},
              {"kind": "livestock", "category": "bee_hive", "condition": "damaged",
               "quantity": "1", "unit": "item"},
              {"kind": "livestock", "category": "cattle", "condition": "dead", "quantity": "1",
               "unit": "head"}]
    response = api("officer").post("/api/v1/claims", json=claim_body(losses=losses))
    assert response.status_code == 201, response.get_json()


# --- rate schedules name known categories ---------------------------------------------------

def test_rate_import_refuses_an_unknown_category_listing_the_line_and_known_ones(ctx, demo):
    csv_text = ("kind,category,condition,unit,basis,rate,cap,currency\n"
                "livestock,cattle,dead,head,per_unit,6000,,CNY\n"
                "livestock,maize,,head,per_unit,10,,CNY\n"
                "crop,yak,,mu,per_unit,450,,CNY\n")
    with pytest.raises(ScheduleImportError) as refused, force_locale("en"):
        import_schedule(csv_text, region=Region.by_code("CN-JL-HC"),
                        effective_from=date(2030, 1, 1), actor=None)
    with force_locale("en"):
        problems = {(p.line, p.column): str(p.message) for p in refused.value.problems}
    assert set(problems) == {(3, "category"), (4, "category")}
    assert problems[(3, "category")].startswith("Line 3:")
    assert "maize" in problems[(3, "category")]
    for known in ("cattle", "calf", "horse", "sheep", "goat", "pig", "dog", "poultry", "deer",
                  "bee_hive"):
        assert known in problems[(3, "category")]
    assert problems[(4, "category")].startswith("Line 4:")
    for known in ("maize", "rice", "soybean", "potato", "vegetables", "cash_crop", "ginseng"):
        assert known in problems[(4, "category")]


# --- layering -------------------------------------------------------------------------------

def imported_modules(path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_rates_never_imports_claims():
    for path in sorted((PROJECT_ROOT / "hwc" / "rates").glob("*.py")):
        claims = {m for m in imported_modules(path) if re.match(r"hwc\.claims(\.|$)", m)}
        assert not claims, f"{path.name} imports {claims}"


def test_rates_loads_without_claims():
    code = ("import sys, hwc.rates.models, hwc.rates.service, hwc.rates.importer; "
            "print(sorted(m for m in sys.modules if m.startswith('hwc.claims')))")
    result = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == "[]"


# --- the seeded vocabulary ------------------------------------------------------------------

def vocabulary_as_lists(vocabulary) -> tuple:
    kinds = [t.code for t in vocabulary.kinds()]
    return (kinds, {k: [t.code for t in vocabulary.categories(k)] for k in kinds},
            {k: {t.code for t in vocabulary.units(k)} for k in kinds})


def test_upgrade_seeds_todays_list_with_its_translated_names(tmp_path):
    fresh = create_app(make_test_config(f"sqlite:///{tmp_path}/fresh.sqlite3", tmp_path))
    with fresh.app_context():
        flask_migrate.upgrade()
        assert vocabulary_as_lists(vocabulary_at(None)) == (
            TODAYS_KINDS, TODAYS_CATEGORIES, TODAYS_UNITS)
        cattle = db.session.scalar(select(LossTerm).where(LossTerm.code == "cattle"))
        assert cattle.region is None and cattle.kind == "livestock"
        assert cattle.names == {"en": "Cattle", "zh_Hans": "牛", "ru": "Крупный рогатый скот",
                                "ko": "소"}
        db.session.remove()
        db.engine.dispose()


def test_seeding_again_adds_nothing(ctx, demo):
    count = db.session.scalar(select(func.count()).select_from(LossTerm))
    assert seed_vocabulary() == 0
    assert db.session.scalar(select(func.count()).select_from(LossTerm)) == count == 34


def test_a_unit_of_another_kind_is_refused(api):
    body = claim_body(losses=[{"kind": "crop", "category": "maize", "condition": "damaged",
                               "quantity": "1", "unit": "head"}])
    response = api("officer").post("/api/v1/claims", json=body)
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["losses[0].unit"]


# --- administrators extend the vocabulary in their area ------------------------------------

def test_admin_adds_a_term_with_four_names_and_it_is_audited(login_as):
    admin = english(login_as("admin"))
    response = admin.post("/admin/vocabulary/new", data=term_data())
    assert response.status_code == 302
    page = admin.get("/admin/vocabulary").get_data(as_text=True)
    assert 'data-term="category:livestock:yak"' in page and "牦牛" in page
    with admin.application.app_context():
        yak = db.session.scalar(select(LossTerm).where(LossTerm.code == "yak"))
        assert yak.region.code == "CN-JL-HC" and yak.names == {
            "en": "Yak", "zh_Hans": "牦牛", "ru": "Як", "ko": "야크"}
        event = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "loss_term_added")).one()
        assert event.actor.username == "admin" and event.changes["code"] == "yak"


@pytest.mark.parametrize("missing", list(YAK_NAMES))
def test_a_term_needs_its_name_in_every_language(login_as, missing):
    admin = english(login_as("admin"))
    response = admin.post("/admin/vocabulary/new", data=term_data(**{missing: " "}))
    assert response.status_code == 422
    assert "Give the name in every language." in errors(response)
    with admin.application.app_context():
        assert db.session.scalar(select(LossTerm).where(LossTerm.code == "yak")) is None


def test_a_country_admin_adds_terms_only_in_their_country(ctx, demo):
    ru_admin, admin = User.by_username("ru_admin"), User.by_username("admin")
    with pytest.raises(InvalidTerm) as refused:
        add_term("category", "yak", {k[5:]: v for k, v in YAK_NAMES.items()}, kind="livestock",
                 region=Region.by_code("CN-JL-HC"), actor=ru_admin)
    assert refused.value.field == "region"
    with pytest.raises(InvalidTerm):  # everywhere is the root's alone
        add_term("category", "yak", {k[5:]: v for k, v in YAK_NAMES.items()}, kind="livestock",
                 region=None, actor=admin)
    root_term = add_term("category", "yak", {k[5:]: v for k, v in YAK_NAMES.items()},
                         kind="livestock", region=None, actor=User.by_username("root"))
    assert root_term.region is None


def test_a_code_already_used_for_the_kind_here_is_refused(ctx, demo):
    names = {k[5:]: v for k, v in YAK_NAMES.items()}
    with pytest.raises(InvalidTerm) as refused:
        add_term("category", "cattle", names, kind="livestock",
                 region=Region.by_code("CN-JL-HC"), actor=User.by_username("admin"))
    assert refused.value.field == "code"
    maize_of_livestock = add_term("category", "fodder", names, kind="livestock",
                                  region=Region.by_code("CN-JL-HC"),
                                  actor=User.by_username("admin"))
    assert maize_of_livestock.kind == "livestock"


def test_another_countrys_terms_are_not_listed(app, login_as):
    with app.app_context():
        add_term("category", "reindeer", {"en": "Reindeer", "zh_Hans": "驯鹿", "ru": "Олень",
                                          "ko": "순록"},
                 kind="livestock", region=Region.by_code("RU-PRI"),
                 actor=User.by_username("ru_admin"))
        db.session.commit()
    assert "reindeer" not in login_as("admin").get("/admin/vocabulary").get_data(as_text=True)
    assert "reindeer" in login_as("ru_admin").get("/admin/vocabulary").get_data(as_text=True)


def losses_page(client, village: str, claimant: dict) -> str:
    base = start(client)
    assert client.post(base + "/claimant", data={**claimant, "village": village}
                       ).status_code == 302
    return client.get(base + "/losses").get_data(as_text=True)


RU_CLAIMANT = {"name": "Иван", "phone": "+79241234567", "language": "ru"}


def test_an_added_term_is_offered_on_the_filing_form_in_its_region_only(login_as):
    login_as("admin").post("/admin/vocabulary/new", data=term_data())
    chinese = losses_page(english(login_as("officer")), "CN-JL-HC-CH-CM", CLAIMANT)
    assert '<option value="yak">Yak</option>' in chinese
    russian = losses_page(login_as("ru_officer"), "RU-PRI-KHS-SL", RU_CLAIMANT)
    assert 'value="yak"' not in russian
    assert '<option value="cattle">Крупный рогатый скот</option>' in russian


def test_an_added_term_is_accepted_in_its_region_and_refused_elsewhere(app, login_as, api):
    login_as("admin").post("/admin/vocabulary/new", data=term_data())
    yak = {"kind": "livestock", "category": "yak", "condition": "dead", "quantity": "1",
           "unit": "head"}
    assert api("officer").post("/api/v1/claims", json=claim_body(losses=[yak])
                               ).status_code == 201
    body = claim_body(village="RU-PRI-KHS-SL", losses=[yak], claimant=RU_CLAIMANT)
    response = api("ru_officer").post("/api/v1/claims", json=body)
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["losses[0].category"]


def test_a_rate_schedule_may_price_an_added_category_in_its_region(ctx, demo):
    names = {k[5:]: v for k, v in YAK_NAMES.items()}
    add_term("category", "yak", names, kind="livestock", region=Region.by_code("CN-JL-HC"),
             actor=User.by_username("admin"))
    csv_text = ("kind,category,condition,unit,basis,rate,cap,currency\n"
                "livestock,yak,dead,head,per_unit,7000,,CNY\n")
    schedule = import_schedule(csv_text, region=Region.by_code("CN-JL-HC-CH"),
                               effective_from=date(2030, 1, 1), actor=None)
    assert [rate.category for rate in schedule.rates] == ["yak"]
    with pytest.raises(ScheduleImportError):
        import_schedule(csv_text.replace("CNY", "RUB"), region=Region.by_code("RU-PRI-KHS"),
                        effective_from=date(2030, 1, 1), actor=None)
