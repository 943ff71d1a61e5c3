"""Demo claims on both sides of the border, taken through the workflow by the demo users so that
the queues, claim pages and dashboard have something to show on a first ``make run``.

Every claim goes through ``create_claim``, ``add_evidence`` and ``perform`` like any other, so the
audit chain covers them. Their ``client_uuid`` is fixed, which makes loading them idempotent."""

import io
import uuid
from datetime import timedelta

from PIL import Image, ImageDraw

from hwc.accounts.models import User
from hwc.claims.evidence import add_evidence
from hwc.claims.models import ClaimStatus
from hwc.claims.operations import create_claim
from hwc.claims.validation import parse_claim_input
from hwc.core.db import utcnow
from hwc.workflow.service import perform

NAMESPACE = uuid.UUID("6f1c1f59-52d5-4a4e-9a61-0c1a9d3f7e10")

# The steps to each status, and which demo user (without the country prefix) takes each.
PATH = {
    "draft": [],
    "submitted": [("submit", "officer", {})],
    "under_verification": [("submit", "officer", {}), ("start_verification", "verifier", {})],
    "returned": [("submit", "officer", {}), ("start_verification", "verifier", {}),
                 ("return", "verifier", {"comment": "Please add a photo of the carcass."})],
    "verified": [("submit", "officer", {}), ("start_verification", "verifier", {}),
                 ("verify", "verifier", {"findings": "Tracks and remains match the report."})],
    "approved": [("submit", "officer", {}), ("start_verification", "verifier", {}),
                 ("verify", "verifier", {"findings": "Tracks and remains match the report."}),
                 ("approve", "approver", {})],
    "awaiting_second_approval": [
        ("submit", "officer", {}), ("start_verification", "verifier", {}),
        ("verify", "verifier", {"findings": "Tracks and remains match the report."}),
        ("approve", "approver", {})],
    "rejected": [("submit", "officer", {}), ("start_verification", "verifier", {}),
                 ("propose_rejection", "verifier",
                  {"reason": "not_wildlife", "comment": "Bite marks of dogs, not a wild animal."})],
}

# After approval (and a second approval where the amount needs one): finance pays.
PAYING_PATH = {
    "voucher_issued": [("issue_voucher", "finance", {})],
    "paid": [("issue_voucher", "finance", {}),
             ("record_payment", "finance", {"method": "bank", "reference": "DEMO-0001"})],
}

# What the demo's people wrote, in their own language (comments are people's words, not
# interface text, so they are data here rather than Babel messages).
WRITTEN = {
    "zh_Hans": {"Please add a photo of the carcass.": "请补拍牲畜尸体的照片。",
                "Tracks and remains match the report.": "现场足迹和残骸与报告相符。",
                "Bite marks of dogs, not a wild animal.": "咬痕为狗所致，并非野生动物。"},
    "ru": {"Please add a photo of the carcass.": "Добавьте, пожалуйста, фото туши.",
           "Tracks and remains match the report.": "Следы и останки соответствуют заявлению.",
           "Bite marks of dogs, not a wild animal.": "Следы укусов собак, а не дикого зверя."},
}


def _cattle(heads: str, value: str, condition: str = "dead") -> dict:
    return {"kind": "livestock", "category": "cattle", "condition": condition,
            "quantity": heads, "unit": "head", "claimed_value": value}


def _crop(crop: str, area: str, unit: str) -> dict:
    return {"kind": "crop", "category": crop, "condition": "damaged", "quantity": area,
            "unit": unit, "damage_share": "0.6"}


def _head(category: str, heads: str, value: str) -> dict:
    return {"kind": "livestock", "category": category, "condition": "dead", "quantity": heads,
            "unit": "head", "claimed_value": value}


# (key, status, village, claimant (name, phone, id number), species, hours ago, GPS, narrative,
#  losses). The Hunchun claims are in Chunhua township, the demo officer's area.
# "awaiting_second_approval" needs an amount above the second-approval threshold.
HUNCHUN = [
    ("cn-1", "approved", "CN-JL-HC-CH-CM", ("张桂兰", "+8613804331201", "222404196501011234"),
     "amur_tiger", 30, (43.3312, 130.7051), "夜间老虎进入牛圈，咬死一头牛。",
     [_cattle("1", "7000.00")]),
    ("cn-2", "approved", "CN-JL-HC-CH-DA", ("金明浩", "+8613804331202", "222404197203153316"),
     "amur_leopard", 40, (43.3705, 130.7480), "远东豹咬死三只羊，现场有足迹。",
     [_head("sheep", "3", "2400.00")]),
    ("cn-3", "verified", "CN-JL-HC-CH-DA", ("李春生", "+8613804331203", None),
     "wild_boar", 20, (43.3580, 130.7634), "野猪群夜间毁坏玉米地。",
     [_crop("maize", "4", "mu")]),
    ("cn-4", "verified", "CN-JL-HC-CH-CM", ("朴英子", "+8613804331204", "222404198011220021"),
     "amur_tiger", 26, (43.3402, 130.6955), "老虎咬死两头牛，玉米地被踩踏。",
     [_cattle("2", "15000.00"), _crop("maize", "1.5", "mu")]),
    ("cn-5", "under_verification", "CN-JL-HC-CH-CC", ("王德福", "+8613804331205", None),
     "asiatic_black_bear", 16, (43.3101, 130.8002), "黑熊毁坏两箱蜂箱。",
     [{"kind": "livestock", "category": "bee_hive", "condition": "damaged", "quantity": "2",
       "unit": "item", "claimed_value": "1000.00"}]),
    ("cn-6", "submitted", "CN-JL-HC-CH-CC", ("赵玉梅", "+8613804331206", None),
     "wild_boar", 10, (43.3050, 130.8123), "野猪拱坏大豆地。",
     [_crop("soybean", "2.5", "mu")]),
    ("cn-7", "submitted", "CN-JL-HC-CH-DA", ("崔成浩", "+8613804331207", None),
     "amur_tiger", 8, (43.3550, 130.7801), "老虎咬伤一头牛。",
     [_cattle("1", "6500.00", condition="injured")]),
    ("cn-8", "returned", "CN-JL-HC-CH-CM", ("孙立军", "+8613804331208", None),
     "amur_tiger", 50, (43.3290, 130.7123), "牛在山上放牧时被咬死。",
     [_cattle("1", "6800.00")]),
    ("cn-9", "rejected", "CN-JL-HC-CH-DA", ("刘海", "+8613804331209", None),
     "amur_leopard", 60, (43.3620, 130.7700), "两只羊失踪。",
     [_head("sheep", "2", "1600.00")]),
    ("cn-10", "draft", "CN-JL-HC-CH-CC", ("郑秀英", "+8613804331210", None),
     "wild_boar", 4, None, "野猪毁坏土豆地。",
     [_crop("potato", "0.8", "mu")]),
    ("cn-11", "approved", "CN-JL-HC-CH-CC", ("韩东植", "+8613804331211", "222404196809090017"),
     "wild_boar", 70, (43.3066, 130.8090), "野猪群毁坏三亩玉米。",
     [_crop("maize", "3", "mu")]),
    ("cn-12", "approved", "CN-JL-HC-CH-CM", ("许春花", "+8613804331212", "222404197705050028"),
     "amur_leopard", 65, (43.3350, 130.7000), "远东豹咬死两只山羊。",
     [_head("goat", "2", "1500.00")]),
]

# Approved after Hunchun switched its public notice (公示) on: these wait out the notice before
# they may be paid, and show on the public list.
HUNCHUN_ON_NOTICE = [
    ("cn-13", "approved", "CN-JL-HC-CH-DA", ("金顺姬", "+8613804331213", "222404198203030041"),
     "amur_tiger", 12, (43.3690, 130.7466), "老虎咬死一头牛犊。",
     [_head("calf", "1", "2600.00")]),
    ("cn-14", "approved", "CN-JL-HC-CH-CC", ("赵德明", "+8613804331214", "222404197001010052"),
     "wild_boar", 11, (43.3120, 130.8050), "野猪拱坏两亩土豆。",
     [_crop("potato", "2", "mu")]),
]

KHASANSKY = [
    ("ru-1", "approved", "RU-PRI-KHS-BR", ("Иван Петров", "+79241230101", "0512 345678"),
     "amur_leopard", 30, (43.1180, 131.4640), "Леопард задрал телёнка у фермы.",
     [_head("calf", "1", "25000.00")]),
    ("ru-2", "verified", "RU-PRI-KHS-KR", ("Мария Ким", "+79241230102", None),
     "amur_tiger", 22, (42.7090, 130.7930), "Тигр задрал корову на пастбище.",
     [_cattle("1", "70000.00")]),
    ("ru-3", "under_verification", "RU-PRI-KHS-SL", ("Андрей Лим", "+79241230103", None),
     "wild_boar", 14, (42.8640, 131.3850), "Кабаны потравили картофель.",
     [_crop("potato", "0.3", "ha")]),
    ("ru-4", "submitted", "RU-PRI-KHS-BZ", ("Сергей Волков", "+79241230104", None),
     "amur_leopard", 9, (43.0710, 131.8730), "Леопард задрал пятнистого оленя в загоне.",
     [_head("deer", "1", "75000.00")]),
    ("ru-5", "returned", "RU-PRI-KHS-PS", ("Ольга Пак", "+79241230105", None),
     "asiatic_black_bear", 45, (42.6520, 130.8050), "Медведь разорил пасеку.",
     [{"kind": "livestock", "category": "bee_hive", "condition": "damaged", "quantity": "3",
       "unit": "item", "claimed_value": "18000.00"}]),
    ("ru-7", "awaiting_second_approval", "RU-PRI-KHS-KR",
     ("Виктор Хан", "+79241230107", "0508 112233"), "amur_tiger", 28, (42.7150, 130.8010),
     "Тигр задрал двух коров у опушки.", [_cattle("2", "140000.00")]),
    ("ru-6", "draft", "RU-PRI-KHS-SL", ("Николай Цой", "+79241230106", None),
     "wild_boar", 3, None, "Кабаны повредили кукурузу.",
     [_crop("maize", "0.5", "ha")]),
]

SIDES = [("", HUNCHUN, "zh_Hans"), ("ru_", KHASANSKY, "ru"), ("", HUNCHUN_ON_NOTICE, "zh_Hans")]
# Hunchun's notice is switched on before the last side's claims are approved.
NOTICE = ("CN-JL-HC", 7)


def photo(index: int) -> bytes:
    """A small made-up field photo (ground, sky and a dark shape), different for every claim,
    so that no two demo claims share a photo."""
    image = Image.new("RGB", (640, 480), (110 + index * 7 % 60, 150, 200))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 260, 640, 480), fill=(70 + index * 11 % 80, 110, 50))
    draw.ellipse((200 + index * 13 % 200, 280, 380 + index * 13 % 200, 380), fill=(60, 40, 30))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def load_demo_claims() -> int:
    """File the demo claims and take each to its status; returns how many were new (none on a
    second run)."""
    created_count = 0
    for index, (prefix, claims, language) in enumerate(SIDES):
        if claims is HUNCHUN_ON_NOTICE:
            _switch_notice_on(*NOTICE)
        for number, (key, status, village, (name, phone, id_number), species, hours_ago, gps,
                     narrative, losses) in enumerate(claims):
            officer = User.by_username(prefix + "officer")
            body = {
                "client_uuid": str(uuid.uuid5(NAMESPACE, key)),
                "village": village,
                "claimant": {"name": name, "phone": phone, "language": language,
                             **({"id_number": id_number} if id_number else {})},
                "incident": {
                    "occurred_at": (utcnow() - timedelta(hours=hours_ago))
                    .replace(microsecond=0).isoformat(),
                    "species": species, "narrative": narrative,
                    **({"lat": gps[0], "lon": gps[1]} if gps else {})},
                "losses": losses,
            }
            claim, created = create_claim(parse_claim_input(body, officer), actor=officer)
            if not created:
                continue
            created_count += 1
            add_evidence(claim, photo(index * 20 + number), actor=officer,
                         original_name="field.jpg")
            for action, username, data in PATH[status]:
                written = {name: WRITTEN[language].get(text, text) for name, text in data.items()}
                perform(claim, action, actor=User.by_username(prefix + username), **written)
            if status == "approved" and claim.status == ClaimStatus.awaiting_second_approval:
                perform(claim, "approve", actor=User.by_username(prefix + "senior"))
    return created_count


def _switch_notice_on(region_code: str, days: int) -> None:
    from hwc.regions.models import Region
    from hwc.regions.settings import own_settings, store_region_setting

    region = Region.by_code(region_code)
    if "public_notice_days" not in own_settings(region):  # an administrator's choice stays
        store_region_setting(region, "public_notice_days", days)
