"""The demo's money: a budget line or two per county with the documents that funded them, and
the late-payment interest Hunchun owes after its statutory days."""

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from hwc.accounts.models import User
from hwc.core.db import utcnow
from hwc.extensions import db
from hwc.payments.models import Budget, BudgetTopUp
from hwc.regions.models import Region
from hwc.vouchers.models import LateInterestRate

# (region, fund, currency, [(amount, document reference, note)]), for the current year; the
# finance officer of the county recorded them.
BUDGETS = [
    ("CN-JL-HC", "中央财政生态补偿资金", "CNY", "finance",
     [("60000.00", "财资环〔{year}〕18号", "首批下达"),
      ("20000.00", "财资环〔{year}〕41号", "追加")]),
    ("CN-JL-HC", "吉林省级配套资金", "CNY", "finance",
     [("15000.00", "吉财农〔{year}〕7号", "")]),
    ("RU-PRI-KHS", "Краевой бюджет: компенсации", "RUB", "ru_finance",
     [("500000.00", "Постановление № 112-па от 15.01.{year}", "")]),
]

# (region, from, % a year): Hunchun owes 6 % a year on claims paid after its statutory days.
LATE_INTEREST = [("CN-JL-HC", date(2026, 1, 1), Decimal("6"))]


def load_demo_payments() -> None:
    """Create the demo budgets and interest rates that do not exist yet."""
    year = utcnow().year
    for region_code, fund, currency, username, top_ups in BUDGETS:
        region = Region.by_code(region_code)
        if db.session.scalar(select(Budget).where(
                Budget.region_id == region.id, Budget.year == year, Budget.fund == fund)):
            continue
        user = User.by_username(username)
        budget = Budget(region=region, year=year, fund=fund, currency=currency,
                        created_by_id=user.id)
        db.session.add(budget)
        for amount, reference, note in top_ups:
            db.session.add(BudgetTopUp(budget=budget, amount=Decimal(amount),
                                       document_reference=reference.format(year=year),
                                       note=note, created_by_id=user.id))
    for region_code, effective_from, rate in LATE_INTEREST:
        region = Region.by_code(region_code)
        if db.session.scalar(select(LateInterestRate).where(
                LateInterestRate.region_id == region.id,
                LateInterestRate.effective_from == effective_from)) is None:
            admin = User.by_username("admin")
            db.session.add(LateInterestRate(region_id=region.id, effective_from=effective_from,
                                            rate=rate, created_at=utcnow(),
                                            created_by_id=admin.id))
    db.session.flush()
