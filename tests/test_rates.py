"""Rate schedules: unit conversion, the schedule and rate that apply, item amounts and their
rounding, the CSV importer, the ``flask hwc rates`` commands and the admin upload page."""

import io
import re
from datetime import date
from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from hwc.accounts.models import User
from hwc.audit.models import AuditEvent
from hwc.extensions import db
from hwc.rates.importer import ScheduleImportError, import_schedule, parse_rows
from hwc.rates.models import Rate, RateSchedule
from hwc.rates.service import (
    IncompatibleUnits,
    MissingUnitValue,
    convert_quantity,
    item_amount,
    rate_for,
    schedule_for,
)
from hwc.regions.models import Region

HEADER = "kind,category,condition,unit,basis,rate,cap,currency"
CATTLE_DEAD = "livestock,cattle,dead,head,per_unit,6000,,CNY"
VILLAGE, OTHER_VILLAGE, TOWNSHIP, COUNTY = (
    "CN-JL-HC-CH-CM", "CN-JL-HC-CH-DA", "CN-JL-HC-CH", "CN-JL-HC")


def csv_text(*rows: str) -> str:
    return "\n".join((HEADER, *rows)) + "\n"


def rate(row: str) -> Rate:
    """The (unsaved) rate of one CSV row."""
    rates, _currency, problems = parse_rows(csv_text(row))
    assert problems == []
    return rates[0]


def add_schedule(region_code: str, effective_from: date, *rows: str, actor=None,
                 **kwargs) -> RateSchedule:
    return import_schedule(csv_text(*(rows or (CATTLE_DEAD,))),
                           region=Region.by_code(region_code), effective_from=effective_from,
                           actor=actor, **kwargs)


def import_problems(text, region_code=TOWNSHIP, effective_from=date(2024, 1, 1)):
    with pytest.raises(ScheduleImportError) as caught:
        import_schedule(text, region=Region.by_code(region_code), effective_from=effective_from,
                        actor=None)
    return caught.value.problems


def schedule_count() -> int:
    return db.session.scalar(select(func.count()).select_from(RateSchedule))


@pytest.fixture
def world(ctx, demo):
    """The demo regions in an application context (the demo's own schedules start 2026)."""


# --- Units -------------------------------------------------------------------------------


def test_one_hectare_is_exactly_fifteen_mu():
    assert convert_quantity(Decimal(1), "ha", "mu") == Decimal(15)


def test_fifteen_mu_are_exactly_ten_thousand_square_metres():
    assert convert_quantity(Decimal(15), "mu", "m2") == Decimal(10000)


def test_one_mu_in_square_metres_has_28_significant_digits():
    assert convert_quantity(Decimal(1), "mu", "m2") == Decimal(
        "666.6666666666666666666666667")


def test_acres_convert_to_square_metres_exactly():
    assert convert_quantity(Decimal("2.5"), "acre", "m2") == Decimal("10117.141056")


def test_equal_units_leave_the_quantity_unchanged():
    assert convert_quantity(Decimal("3.1415"), "kg", "kg") == Decimal("3.1415")


def test_heads_do_not_convert_into_kilograms():
    with pytest.raises(IncompatibleUnits):
        convert_quantity(Decimal(2), "head", "kg")


# --- Amounts -----------------------------------------------------------------------------


def test_per_head_rate_is_paid_for_every_head(ctx):
    assert item_amount(rate(CATTLE_DEAD), Decimal(2), "head", None, "CNY") == Decimal(
        "12000.00")


def test_claim_in_hectares_is_priced_by_a_rate_per_mu(ctx):
    maize = rate("crop,maize,,mu,per_unit,450,,CNY")
    assert item_amount(maize, Decimal("0.1"), "ha", None, "CNY") == Decimal("675.00")


def test_claim_in_acres_is_priced_by_a_rate_per_square_metre(ctx):
    house = rate("property,house_partial,,m2,per_unit,300,,CNY")
    # 0.01 acre = 40.468564224 m² → 12140.5692672
    assert item_amount(house, Decimal("0.01"), "acre", None, "CNY") == Decimal("12140.57")


def test_area_conversion_is_exact_where_rounding_a_decimal_would_lose_a_cent(ctx):
    # 2 mu = 2/15 ha, × 7.5375 = 1.005 exactly, which rounds up; 0.1333…333 ha would not.
    maize = rate("crop,maize,,ha,per_unit,7.5375,,CNY")
    assert item_amount(maize, Decimal(2), "mu", None, "CNY") == Decimal("1.01")


def test_percentage_of_value_without_cap_pays_the_share_of_the_value(ctx):
    pig = rate("livestock,pig,,head,percent_of_value,80,,CNY")
    assert item_amount(pig, Decimal(2), "head", Decimal(1000), "CNY") == Decimal("1600.00")


def test_cap_limits_the_percentage_per_unit(ctx):
    injured = rate("livestock,cattle,injured,head,percent_of_value,50,3000,CNY")
    assert item_amount(injured, Decimal(2), "head", Decimal(8000), "CNY") == Decimal(
        "6000.00")


def test_percentage_below_the_cap_is_paid_in_full(ctx):
    injured = rate("livestock,cattle,injured,head,percent_of_value,50,3000,CNY")
    assert item_amount(injured, Decimal(2), "head", Decimal(4000), "CNY") == Decimal(
        "4000.00")


def test_value_of_a_claimed_unit_is_brought_to_the_rate_unit_before_the_cap(ctx):
    # 9000 per ha = 600 per mu; 70 % = 420 per mu (under the cap of 500); 2 ha = 30 mu.
    ginseng = rate("crop,ginseng,,mu,percent_of_value,70,500,CNY")
    assert item_amount(ginseng, Decimal(2), "ha", Decimal(9000), "CNY") == Decimal(
        "12600.00")


def test_cap_also_limits_a_per_unit_rate(ctx):
    sheep = rate("livestock,sheep,,head,per_unit,900,700,CNY")
    assert item_amount(sheep, Decimal(3), "head", None, "CNY") == Decimal("2100.00")


def test_percentage_rate_needs_the_unit_value(ctx):
    pig = rate("livestock,pig,,head,percent_of_value,80,,CNY")
    with pytest.raises(MissingUnitValue):
        item_amount(pig, Decimal(1), "head", None, "CNY")


def test_amount_refuses_a_unit_that_does_not_convert_into_the_rate_unit(ctx):
    with pytest.raises(IncompatibleUnits):
        item_amount(rate(CATTLE_DEAD), Decimal(100), "kg", None, "CNY")


def test_won_amounts_round_half_up_to_whole_won(ctx):
    goat = rate("livestock,goat,,head,per_unit,1000.5,,KRW")
    assert item_amount(goat, Decimal(1), "head", None, "KRW") == Decimal("1001")


def test_yuan_amounts_round_half_up_to_the_fen(ctx):
    honey = rate("livestock,bee_hive,,kg,per_unit,0.005,,CNY")
    assert item_amount(honey, Decimal(1), "kg", None, "CNY") == Decimal("0.01")


# --- Which schedule and which rate ------------------------------------------------------


@pytest.mark.parametrize(("incident", "expected"), [
    (date(2024, 12, 31), date(2024, 1, 1)),
    (date(2025, 1, 1), date(2025, 1, 1)),
    (date(2025, 7, 1), date(2025, 1, 1)),
])
def test_schedule_in_force_is_the_latest_effective_on_or_before_the_incident(
        world, incident, expected):
    add_schedule(TOWNSHIP, date(2024, 1, 1))
    add_schedule(TOWNSHIP, date(2025, 1, 1))
    found = schedule_for(Region.by_code(VILLAGE), incident)
    assert found.effective_from == expected


def test_no_schedule_before_the_first_effective_date(world):
    add_schedule(TOWNSHIP, date(2024, 1, 1))
    assert schedule_for(Region.by_code(VILLAGE), date(2023, 12, 31)) is None


def test_village_without_a_schedule_uses_its_ancestors(world):
    township = add_schedule(TOWNSHIP, date(2024, 1, 1))
    assert schedule_for(Region.by_code(OTHER_VILLAGE), date(2024, 6, 1)) == township


def test_nearer_region_wins_over_a_later_ancestor_schedule(world):
    village = add_schedule(VILLAGE, date(2024, 1, 1))
    add_schedule(TOWNSHIP, date(2024, 6, 1))
    assert schedule_for(Region.by_code(VILLAGE), date(2024, 12, 1)) == village


def test_ancestor_applies_while_the_village_schedule_is_not_yet_in_force(world):
    add_schedule(VILLAGE, date(2025, 6, 1))
    township = add_schedule(TOWNSHIP, date(2024, 1, 1))
    assert schedule_for(Region.by_code(VILLAGE), date(2025, 1, 1)) == township


def test_schedule_of_a_sibling_village_does_not_apply(world):
    add_schedule(OTHER_VILLAGE, date(2024, 1, 1))
    assert schedule_for(Region.by_code(VILLAGE), date(2024, 6, 1)) is None


def test_no_rate_for_a_category_the_schedule_lacks(world):
    schedule = add_schedule(TOWNSHIP, date(2024, 1, 1), CATTLE_DEAD)
    assert rate_for(schedule, "livestock", "horse", "dead") is None


def test_no_rate_for_another_condition_without_a_generic_rate(world):
    schedule = add_schedule(TOWNSHIP, date(2024, 1, 1), CATTLE_DEAD)
    assert rate_for(schedule, "livestock", "cattle", "injured") is None


def test_rate_for_the_exact_condition_beats_the_generic_rate(world):
    schedule = add_schedule(TOWNSHIP, date(2024, 1, 1),
                            "livestock,cattle,,head,per_unit,5000,,CNY", CATTLE_DEAD)
    assert rate_for(schedule, "livestock", "cattle", "dead").rate == Decimal(6000)


def test_generic_rate_covers_the_other_conditions(world):
    schedule = add_schedule(TOWNSHIP, date(2024, 1, 1),
                            "livestock,cattle,,head,per_unit,5000,,CNY", CATTLE_DEAD)
    assert rate_for(schedule, "livestock", "cattle", "injured").rate == Decimal(5000)


# --- Importer ---------------------------------------------------------------------------


def test_import_adds_the_schedule_with_every_rate(world):
    schedule = add_schedule(TOWNSHIP, date(2024, 1, 1), CATTLE_DEAD,
                            "crop,maize,,mu,per_unit,450,,CNY", name="Chunhua 2024")
    db.session.expire_all()
    saved = db.session.get(RateSchedule, schedule.id)
    assert (saved.name, saved.currency, [r.category for r in saved.rates]) == (
        "Chunhua 2024", "CNY", ["cattle", "maize"])


def test_import_keeps_each_rate_line_number(world):
    schedule = add_schedule(TOWNSHIP, date(2024, 1, 1), CATTLE_DEAD,
                            "crop,maize,,mu,per_unit,450,,CNY")
    assert [r.line for r in schedule.rates] == [2, 3]


def test_import_names_the_schedule_after_region_and_date_by_default(world):
    schedule = add_schedule(TOWNSHIP, date(2024, 1, 1))
    assert schedule.name == "CN-JL-HC-CH 2024-01-01"


def test_import_records_an_audit_event(world):
    add_schedule(TOWNSHIP, date(2024, 1, 1), CATTLE_DEAD, "crop,maize,,mu,per_unit,450,,CNY")
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "rates_imported",
        AuditEvent.changes["region"].as_string() == TOWNSHIP))
    assert (event.changes["effective_from"], event.changes["rates"]) == ("2024-01-01", 2)


def test_import_accepts_columns_in_any_order(world):
    text = ("currency,rate,basis,unit,condition,category,kind,cap\n"
            "CNY,6000,per_unit,head,dead,cattle,livestock,\n")
    schedule = import_schedule(text, region=Region.by_code(TOWNSHIP),
                               effective_from=date(2024, 1, 1), actor=None)
    assert schedule.rates[0].rate == Decimal(6000)


def test_import_accepts_a_byte_order_mark(world):
    data = "\ufeff".encode() + csv_text(CATTLE_DEAD).encode()
    schedule = import_schedule(data, region=Region.by_code(TOWNSHIP),
                               effective_from=date(2024, 1, 1), actor=None)
    assert len(schedule.rates) == 1


def test_import_reads_an_uploaded_file_object(world):
    stream = io.BytesIO(csv_text(CATTLE_DEAD).encode())
    schedule = import_schedule(stream, region=Region.by_code(TOWNSHIP),
                               effective_from=date(2024, 1, 1), actor=None)
    assert len(schedule.rates) == 1


@pytest.mark.parametrize(("row", "column"), [
    ("fish,cattle,dead,head,per_unit,6000,,CNY", "kind"),
    ("livestock,Cattle,dead,head,per_unit,6000,,CNY", "category"),
    ("livestock,cattle,eaten,head,per_unit,6000,,CNY", "condition"),
    ("livestock,cattle,dead,acres,per_unit,6000,,CNY", "unit"),
    ("livestock,cattle,dead,mu,per_unit,6000,,CNY", "unit"),
    ("crop,maize,,head,per_unit,450,,CNY", "unit"),
    ("property,fence,,kg,per_unit,200,,CNY", "unit"),
    ("livestock,cattle,dead,head,flat,6000,,CNY", "basis"),
    ("livestock,cattle,dead,head,per_unit,-1,,CNY", "rate"),
    ("livestock,cattle,dead,head,per_unit,six,,CNY", "rate"),
    ("livestock,cattle,dead,head,per_unit,,,CNY", "rate"),
    ("livestock,cattle,dead,head,percent_of_value,1001,,CNY", "rate"),
    ("livestock,cattle,dead,head,per_unit,0.00001,,CNY", "rate"),
    ("livestock,cattle,dead,head,per_unit,1e20,,CNY", "rate"),
    ("livestock,cattle,dead,head,per_unit,6000,-5,CNY", "cap"),
    ("livestock,cattle,dead,head,per_unit,6000,lots,CNY", "cap"),
    ("livestock,cattle,dead,head,per_unit,6000,,YUAN", "currency"),
    ("livestock,cattle,dead,head,per_unit,6000,,RUB", "currency"),
    ("livestock,sheep,,head,per_unit,800,CNY", None),
    ("livestock,goat,,head,per_unit,700,,CNY,extra", None),
])
def test_bad_row_is_reported_with_its_line_and_column(world, row, column):
    problems = import_problems(csv_text("livestock,cattle,injured,head,per_unit,3000,,CNY", row))
    assert [(p.line, p.column) for p in problems] == [(3, column)]


def test_row_repeating_kind_category_and_condition_is_reported(world):
    problems = import_problems(csv_text(CATTLE_DEAD, "crop,maize,,mu,per_unit,450,,CNY",
                                        "livestock,cattle,dead,head,per_unit,1,,CNY"))
    assert [p.line for p in problems] == [4]


def test_every_problem_of_the_file_is_reported_at_once(world):
    problems = import_problems(csv_text(
        "livestock,cattle,dead,acres,per_unit,6000,,CNY",
        "crop,maize,,mu,per_unit,450,,CNY",
        "fish,cod,,head,per_unit,1,,CNY",
        "crop,rice,,mu,per_unit,-600,,XXY"))
    assert [(p.line, p.column) for p in problems] == [
        (2, "unit"), (4, "kind"), (5, "rate"), (5, "currency")]


def test_blank_lines_keep_the_file_line_numbers(world):
    text = HEADER + "\n\n" + CATTLE_DEAD + "\n\nfish,cod,,head,per_unit,1,,CNY\n"
    problems = import_problems(text)
    assert [p.line for p in problems] == [5]


def test_failed_import_saves_nothing(world):
    schedules, rates = schedule_count(), db.session.scalar(select(func.count(Rate.id)))
    import_problems(csv_text(CATTLE_DEAD, "fish,cod,,head,per_unit,1,,CNY"))
    assert not db.session.new
    assert (schedule_count(), db.session.scalar(select(func.count(Rate.id)))) == (
        schedules, rates)


def test_second_schedule_for_the_same_region_and_date_is_refused(world):
    add_schedule(TOWNSHIP, date(2024, 1, 1))
    problems = import_problems(csv_text(CATTLE_DEAD))
    assert [(p.line, p.column) for p in problems] == [(0, None)]


def test_same_date_in_another_region_is_accepted(world):
    add_schedule(TOWNSHIP, date(2024, 1, 1))
    assert add_schedule(VILLAGE, date(2024, 1, 1)).effective_from == date(2024, 1, 1)


@pytest.mark.parametrize("header", [
    "kind,category,condition,unit,basis,rate,cap,currency,notes",
    "kind,category,condition,unit,basis,cap,currency",
    "kind,kind,category,condition,unit,basis,rate,cap,currency",
])
def test_bad_header_is_reported_on_line_one(world, header):
    problems = import_problems(header + "\n" + CATTLE_DEAD + "\n")
    assert {p.line for p in problems} == {1}


def test_empty_file_is_refused(world):
    assert [p.line for p in import_problems(b"")] == [1]


def test_header_without_rates_is_refused(world):
    assert [p.line for p in import_problems(HEADER + "\n")] == [2]


def test_file_that_is_not_utf8_is_refused_at_the_bad_line(world):
    data = (csv_text(CATTLE_DEAD) + "crop,maize,,mu,per_unit,450,,CNY\n").encode("utf-8")
    data = data.replace(b"maize", "maïze".encode("latin-1"))
    assert [p.line for p in import_problems(data)] == [3]


def test_problem_message_is_the_english_sentence_with_the_line(app, world):
    with app.test_request_context(), force_locale("en"):
        problems = import_problems(csv_text(CATTLE_DEAD, "crop,maize,,acres,per_unit,1,,CNY"))
    assert problems[0].message == (
        "Line 3: unknown unit “acres”; use one of: head, ha, mu, acre, m2, kg, item.")


def test_problem_message_in_russian_keeps_the_line_number(app, world):
    with app.test_request_context(), force_locale("ru"):
        problems = import_problems(csv_text(CATTLE_DEAD, "crop,maize,,acres,per_unit,1,,CNY"))
    assert "3" in problems[0].message and "acres" in problems[0].message
    assert "%(" not in problems[0].message


# --- flask hwc rates --------------------------------------------------------------------


@pytest.fixture
def english_cli(app, monkeypatch):
    monkeypatch.setitem(app.config, "HWC_DEFAULT_LOCALE", "en")


def test_cli_import_commits_the_schedule(app, runner, demo, english_cli, tmp_path):
    path = tmp_path / "rates.csv"
    path.write_text(csv_text(CATTLE_DEAD, "crop,maize,,mu,per_unit,450,,CNY"), encoding="utf-8")
    result = runner.invoke(args=["hwc", "rates", "import", str(path), "--region", TOWNSHIP,
                                 "--effective-from", "2024-01-01", "--name", "Chunhua 2024"])
    assert result.exit_code == 0, result.output
    assert "Imported 2 rates" in result.output
    with app.app_context():
        saved = db.session.scalar(select(RateSchedule).where(RateSchedule.name == "Chunhua 2024"))
        assert (saved.effective_from, len(saved.rates)) == (date(2024, 1, 1), 2)


def test_cli_import_prints_each_problem_and_exits_non_zero(app, runner, demo, english_cli,
                                                           tmp_path):
    path = tmp_path / "rates.csv"
    path.write_text(csv_text("fish,cod,,head,per_unit,1,,CNY", CATTLE_DEAD,
                             "crop,maize,,acres,per_unit,1,,CNY"), encoding="utf-8")
    result = runner.invoke(args=["hwc", "rates", "import", str(path), "--region", TOWNSHIP,
                                 "--effective-from", "2024-01-01"])
    assert result.exit_code == 1
    assert [line[:7] for line in result.output.splitlines()] == ["Line 2:", "Line 4:"]


def test_cli_import_saves_nothing_on_failure(app, runner, demo, tmp_path):
    path = tmp_path / "rates.csv"
    path.write_text(csv_text(CATTLE_DEAD, "fish,cod,,head,per_unit,1,,CNY"), encoding="utf-8")
    runner.invoke(args=["hwc", "rates", "import", str(path), "--region", TOWNSHIP,
                        "--effective-from", "2024-01-01"])
    with app.app_context():
        assert db.session.scalar(select(RateSchedule).where(
            RateSchedule.region_id == Region.by_code(TOWNSHIP).id)) is None


def test_cli_import_refuses_an_unknown_region(runner, demo, tmp_path):
    path = tmp_path / "rates.csv"
    path.write_text(csv_text(CATTLE_DEAD), encoding="utf-8")
    result = runner.invoke(args=["hwc", "rates", "import", str(path), "--region", "XX-NOPE",
                                 "--effective-from", "2024-01-01"])
    assert result.exit_code != 0


def test_cli_list_marks_the_schedule_in_force_today(app, runner, demo):
    with app.app_context():
        add_schedule(TOWNSHIP, date(2024, 1, 1), name="old")
        add_schedule(TOWNSHIP, date(2025, 1, 1), name="current")
        add_schedule(TOWNSHIP, date(2999, 1, 1), name="future")
        db.session.commit()
    result = runner.invoke(args=["hwc", "rates", "list", "--region", TOWNSHIP])
    marks = {line.split()[-1]: line[0] for line in result.output.splitlines()}
    assert marks == {"old": " ", "current": "*", "future": " "}


# --- Admin pages --------------------------------------------------------------------------


def upload(client, app, text: bytes, region_code=TOWNSHIP, effective_from="2024-01-01"):
    with app.app_context():
        region_id = Region.by_code(region_code).id
    return client.post("/admin/rates/import", data={
        "region": str(region_id), "effective_from": effective_from, "name": "Uploaded",
        "csv_file": (io.BytesIO(text), "rates.csv"),
    }, content_type="multipart/form-data")


def test_admin_upload_saves_the_schedule_and_shows_it(app, login_as):
    admin = login_as("admin")
    response = upload(admin, app, csv_text(CATTLE_DEAD).encode())
    assert response.status_code == 302
    with app.app_context():
        saved = db.session.scalar(select(RateSchedule).where(RateSchedule.name == "Uploaded"))
        assert response.location.endswith(f"/admin/rates/{saved.id}")
        assert (saved.region.code, saved.created_by_id) == (
            TOWNSHIP, User.by_username("admin").id)


def test_admin_upload_with_bad_rows_shows_the_lines_and_saves_nothing(app, login_as):
    admin = login_as("admin")
    text = csv_text("fish,cod,,head,per_unit,1,,CNY", CATTLE_DEAD,
                    "crop,maize,,acres,per_unit,1,,CNY")
    response = upload(admin, app, text.encode())
    assert response.status_code == 422
    lines = re.findall(r'data-line="(\d+)"', response.get_data(as_text=True))
    assert lines == ["2", "4"]
    with app.app_context():
        assert db.session.scalar(select(RateSchedule).where(
            RateSchedule.name == "Uploaded")) is None


def test_admin_upload_without_a_file_is_refused(app, login_as):
    admin = login_as("admin")
    with app.app_context():
        region_id = Region.by_code(TOWNSHIP).id
    response = admin.post("/admin/rates/import", data={
        "region": str(region_id), "effective_from": "2024-01-01"})
    assert response.status_code == 400


def test_admin_list_marks_the_schedule_in_force_today(app, login_as):
    with app.app_context():
        ids = [add_schedule(TOWNSHIP, day).id
               for day in (date(2024, 1, 1), date(2025, 1, 1), date(2999, 1, 1))]
        db.session.commit()
    page = login_as("admin").get("/admin/rates").get_data(as_text=True)
    in_force = re.findall(r'<tr class="in-force">\s*<td[^>]*>[^<]*</td>\s*'
                          r'<td[^>]*><a href="/admin/rates/(\d+)"', page)
    assert ids[1] in {int(i) for i in in_force}
    assert not {ids[0], ids[2]} & {int(i) for i in in_force}


def test_admin_sees_the_rates_of_a_schedule(app, login_as):
    with app.app_context():
        schedule_id = add_schedule(TOWNSHIP, date(2024, 1, 1), name="Chunhua 2024").id
        db.session.commit()
    response = login_as("admin").get(f"/admin/rates/{schedule_id}")
    assert response.status_code == 200
    assert "Chunhua 2024" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/admin/rates", "/admin/rates/import"])
def test_non_admin_is_forbidden_the_rate_pages(login_as, path):
    assert login_as("verifier").get(path).status_code == 403


def test_non_admin_cannot_upload_a_schedule(app, login_as):
    response = upload(login_as("approver"), app, csv_text(CATTLE_DEAD).encode())
    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(RateSchedule).where(
            RateSchedule.name == "Uploaded")) is None


@pytest.mark.parametrize("day", ["0001-01-01", "1969-12-31", "2101-01-01", "9999-12-31"])
def test_admin_upload_with_an_absurd_first_day_is_refused_on_that_field(app, login_as, day):
    admin = login_as("admin")
    admin.post("/language", data={"language": "en"})
    response = upload(admin, app, csv_text(CATTLE_DEAD).encode(), effective_from=day)
    assert response.status_code == 400
    assert ('id="effective_from-error">Use a date between 1970-01-01 and 2100-12-31.<'
            in response.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalar(select(RateSchedule).where(
            RateSchedule.name == "Uploaded")) is None
