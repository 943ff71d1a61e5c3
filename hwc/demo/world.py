"""Regions and users of the demo: Hunchun (Jilin, China) and Khasansky District (Primorye, Russia),
the two sides of the Amur tiger and leopard corridor along the Tumen river."""

from datetime import date

from sqlalchemy import select
from werkzeug.security import check_password_hash

from hwc.accounts.models import Role, User
from hwc.accounts.operations import create_user, set_password
from hwc.extensions import db
from hwc.losses.seed import seed_vocabulary
from hwc.rates.models import RateSchedule
from hwc.regions.models import Region
from hwc.regions.operations import upsert_region
from hwc.regions.settings import own_settings, store_region_setting

DEFAULT_PASSWORD = "tiger-demo-2026"  # noqa: S105 - documented demo password

# (code, level, parent code, {locale: name})
REGIONS = [
    ("CN", "country", None, {"zh_Hans": "中国", "en": "China", "ru": "Китай", "ko": "중국"}),
    ("CN-JL", "province", "CN",
     {"zh_Hans": "吉林省", "en": "Jilin", "ru": "Цзилинь", "ko": "지린성"}),
    ("CN-JL-HC", "county", "CN-JL",
     {"zh_Hans": "珲春市", "en": "Hunchun", "ru": "Хуньчунь", "ko": "훈춘시"}),
    ("CN-JL-HC-CH", "township", "CN-JL-HC",
     {"zh_Hans": "春化镇", "en": "Chunhua", "ru": "Чуньхуа", "ko": "춘화진"}),
    ("CN-JL-HC-CH-CM", "village", "CN-JL-HC-CH",
     {"zh_Hans": "草帽村", "en": "Caomao", "ru": "Цаомао", "ko": "차오마오촌"}),
    ("CN-JL-HC-CH-DA", "village", "CN-JL-HC-CH",
     {"zh_Hans": "东阿拉村", "en": "Dong'ala", "ru": "Дунала", "ko": "둥아라촌"}),
    ("CN-JL-HC-CH-CC", "village", "CN-JL-HC-CH",
     {"zh_Hans": "春化村", "en": "Chunhua Village", "ru": "Чуньхуа (село)", "ko": "춘화촌"}),
    ("CN-JL-HC-MD", "township", "CN-JL-HC",
     {"zh_Hans": "马滴达镇", "en": "Madida", "ru": "Мадида", "ko": "마디다진"}),
    ("CN-JL-HC-MD-MD", "village", "CN-JL-HC-MD",
     {"zh_Hans": "马滴达村", "en": "Madida Village", "ru": "Мадида (село)", "ko": "마디다촌"}),
    ("CN-JL-HC-MD-TZ", "village", "CN-JL-HC-MD",
     {"zh_Hans": "塔子沟村", "en": "Tazigou", "ru": "Тацзыгоу", "ko": "타쯔거우촌"}),
    ("CN-JL-HC-JX", "township", "CN-JL-HC",
     {"zh_Hans": "敬信镇", "en": "Jingxin", "ru": "Цзинсинь", "ko": "징신진"}),
    ("CN-JL-HC-JX-FC", "village", "CN-JL-HC-JX",
     {"zh_Hans": "防川村", "en": "Fangchuan", "ru": "Фанчуань", "ko": "팡촨촌"}),
    ("CN-JL-HC-JX-QH", "village", "CN-JL-HC-JX",
     {"zh_Hans": "圈河村", "en": "Quanhe", "ru": "Цюаньхэ", "ko": "취안허촌"}),
    ("RU", "country", None, {"ru": "Россия", "en": "Russia", "zh_Hans": "俄罗斯", "ko": "러시아"}),
    ("RU-PRI", "province", "RU",
     {"ru": "Приморский край", "en": "Primorsky Krai", "zh_Hans": "滨海边疆区", "ko": "연해주"}),
    ("RU-PRI-KHS", "county", "RU-PRI",
     {"ru": "Хасанский район", "en": "Khasansky District", "zh_Hans": "哈桑区",
      "ko": "하산 구역"}),
    ("RU-PRI-KHS-SL", "village", "RU-PRI-KHS",
     {"ru": "Славянка", "en": "Slavyanka", "zh_Hans": "斯拉维扬卡", "ko": "슬라뱐카"}),
    ("RU-PRI-KHS-KR", "village", "RU-PRI-KHS",
     {"ru": "Краскино", "en": "Kraskino", "zh_Hans": "克拉斯基诺", "ko": "크라스키노"}),
    ("RU-PRI-KHS-PS", "village", "RU-PRI-KHS",
     {"ru": "Посьет", "en": "Posyet", "zh_Hans": "波西耶特", "ko": "포시예트"}),
    ("RU-PRI-KHS-BR", "village", "RU-PRI-KHS",
     {"ru": "Барабаш", "en": "Barabash", "zh_Hans": "巴拉巴什", "ko": "바라바시"}),
    ("RU-PRI-KHS-BZ", "village", "RU-PRI-KHS",
     {"ru": "Безверхово", "en": "Bezverkhovo", "zh_Hans": "别兹韦尔霍沃", "ko": "베즈베르호보"}),
]

# (username, role, senior, region code, language, full name)
USERS = [
    ("officer", Role.village_officer, False, "CN-JL-HC-CH", "zh_Hans", "王丽 Wang Li"),
    ("verifier", Role.verifier, False, "CN-JL-HC", "zh_Hans", "金成浩 Jin Chenghao"),
    ("approver", Role.approver, False, "CN-JL-HC", "zh_Hans", "李建国 Li Jianguo"),
    ("senior", Role.approver, True, "CN-JL-HC", "zh_Hans", "赵敏 Zhao Min"),
    ("finance", Role.finance, False, "CN-JL-HC", "zh_Hans", "刘芳 Liu Fang"),
    ("auditor", Role.auditor, False, "CN-JL-HC", "zh_Hans", "陈伟 Chen Wei"),
    ("root", Role.admin, False, None, "en", "System administrator"),
    ("admin", Role.admin, False, "CN", "zh_Hans", "系统管理员 Administrator"),
    ("ru_officer", Role.village_officer, False, "RU-PRI-KHS", "ru", "Ирина Ким"),
    ("ru_verifier", Role.verifier, False, "RU-PRI-KHS", "ru", "Алексей Смирнов"),
    ("ru_approver", Role.approver, False, "RU-PRI-KHS", "ru", "Сергей Павлов"),
    ("ru_senior", Role.approver, True, "RU-PRI-KHS", "ru", "Ольга Морозова"),
    ("ru_finance", Role.finance, False, "RU-PRI-KHS", "ru", "Наталья Ли"),
    ("ru_auditor", Role.auditor, False, "RU-PRI-KHS", "ru", "Дмитрий Орлов"),
    ("ru_admin", Role.admin, False, "RU", "ru", "Администратор"),
]


# Settings per region: each country's time zone, currency and a threshold that makes sense in
# it (about the same value on both sides), each county's voucher issuing authority.
REGION_SETTINGS = [
    ("CN", {"time_zone": "Asia/Shanghai", "currency": "CNY", "second_approval_above": "10000",
            "office_language": "zh_Hans"}),
    ("RU", {"time_zone": "Asia/Vladivostok", "currency": "RUB",
            "second_approval_above": "100000", "office_language": "ru"}),
    # Hunchun numbers its vouchers per month, as many Chinese offices do; Khasansky per year.
    ("CN-JL-HC", {"voucher_authority": "珲春市林业和草原局", "voucher_prefix": "HC",
                  "voucher_number_format": "{prefix}-{year}{month}-{seq:5}"}),
    ("RU-PRI-KHS", {"voucher_authority": "Администрация Хасанского муниципального округа",
                    "voucher_prefix": "KH", "voucher_number_format": "{prefix}-{year}-{seq:6}"}),
]


# Compensation schedules in the shape officials publish them (illustrative figures).
RATE_SCHEDULES = [
    ("CN-JL-HC", date(2026, 1, 1), "珲春市野生动物致害补偿标准 2026", """\
kind,category,condition,unit,basis,rate,cap,currency
livestock,cattle,dead,head,per_unit,6000,,CNY
livestock,cattle,injured,head,percent_of_value,50,3000,CNY
livestock,calf,dead,head,per_unit,2500,,CNY
livestock,horse,dead,head,per_unit,5000,,CNY
livestock,sheep,dead,head,per_unit,800,,CNY
livestock,goat,dead,head,per_unit,700,,CNY
livestock,pig,,head,percent_of_value,80,1500,CNY
livestock,dog,dead,head,per_unit,300,,CNY
livestock,poultry,dead,head,per_unit,40,,CNY
livestock,bee_hive,damaged,item,per_unit,400,,CNY
crop,maize,,mu,per_unit,450,,CNY
crop,rice,,mu,per_unit,600,,CNY
crop,soybean,,mu,per_unit,380,,CNY
crop,potato,,mu,per_unit,500,,CNY
crop,vegetables,,mu,per_unit,800,,CNY
crop,ginseng,,m2,percent_of_value,70,60,CNY
crop,cash_crop,,mu,percent_of_value,70,1500,CNY
property,fence,,item,per_unit,200,,CNY
property,shed,,item,percent_of_value,60,5000,CNY
property,house_partial,,m2,per_unit,300,,CNY
"""),
    ("RU-PRI-KHS", date(2026, 1, 1), "Хасанский район: ставки возмещения ущерба 2026", """\
kind,category,condition,unit,basis,rate,cap,currency
livestock,cattle,dead,head,per_unit,60000,,RUB
livestock,cattle,injured,head,percent_of_value,50,30000,RUB
livestock,calf,dead,head,per_unit,25000,,RUB
livestock,horse,dead,head,per_unit,55000,,RUB
livestock,sheep,dead,head,per_unit,9000,,RUB
livestock,goat,dead,head,per_unit,8000,,RUB
livestock,pig,,head,percent_of_value,80,20000,RUB
livestock,dog,dead,head,per_unit,5000,,RUB
livestock,deer,dead,head,per_unit,70000,,RUB
livestock,bee_hive,damaged,item,per_unit,6000,,RUB
crop,maize,,ha,per_unit,40000,,RUB
crop,soybean,,ha,per_unit,35000,,RUB
crop,potato,,ha,per_unit,90000,,RUB
crop,vegetables,,ha,per_unit,120000,,RUB
property,fence,,item,per_unit,3000,,RUB
property,shed,,item,percent_of_value,60,80000,RUB
"""),
]


def load_demo(password: str = DEFAULT_PASSWORD) -> dict[str, int]:
    """Create or bring up to date the demo regions and users; running it twice changes nothing
    the second time. Every demo user's password becomes ``password``."""
    for code, level, parent_code, names in REGIONS:
        parent = Region.by_code(parent_code) if parent_code else None
        upsert_region(code, level, names, parent)
    for username, role, senior, region_code, language, full_name in USERS:
        region = Region.by_code(region_code) if region_code else None
        user = User.by_username(username)
        if user is None:
            create_user(username, password, role, region, senior=senior, language=language,
                        full_name=full_name, actor=None)
            continue
        user.role, user.senior, user.region, user.language = role, senior, region, language
        user.full_name, user.active = full_name, True
        if not check_password_hash(user.password_hash, password):
            set_password(user, password, actor=None)
    for region_code, values in REGION_SETTINGS:
        region = Region.by_code(region_code)
        own = own_settings(region)
        for key, value in values.items():
            if key not in own:  # an administrator's later choice stays
                store_region_setting(region, key, value)
    seed_vocabulary()  # in place after ``flask db upgrade``; a test database is emptied
    for region_code, effective_from, name, csv_text in RATE_SCHEDULES:
        region = Region.by_code(region_code)
        exists = db.session.scalar(select(RateSchedule).where(
            RateSchedule.region_id == region.id, RateSchedule.effective_from == effective_from))
        if exists is None:
            from hwc.rates.importer import import_schedule

            import_schedule(csv_text, region=region, effective_from=effective_from, name=name,
                            source_name="demo", actor=None)
    db.session.flush()
    return {"regions": len(REGIONS), "users": len(USERS), "schedules": len(RATE_SCHEDULES)}
