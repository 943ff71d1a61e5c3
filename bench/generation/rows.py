"""Rows of claims and everything that hangs on them, a chunk at a time: claimants, claims, loss
items, evidence, vouchers, SMS messages and the audit events of every step (chained later).

Claims come in order of time: claim ``g`` of ``n`` falls on the day where the seasonal
distribution reaches ``(g + u) / n``, so memory stays constant however many are made."""

import bisect
import random
import uuid
from datetime import UTC, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from babel.numbers import format_currency as babel_format_currency

from bench.generation.stories import REACHABLE, due_at, status_by_age, steps_to, timed
from bench.generation.world import schedule_rates
from hwc.claims.codes import ALPHABET, BODY_LENGTH, check_symbol, format_code
from hwc.claims.models import ClaimStatus as S
from hwc.core.db import local_date
from hwc.core.money import money_string
from hwc.core.numbering import NumberFormat
from hwc.sms import replies
from hwc.vouchers.keys import signing_key
from hwc.vouchers.signing import VoucherSeal, payee_digest, seal

CENT = Decimal("0.01")
# Claims per month of the year, relative: more in summer and autumn (crops, herds on pasture).
SEASON = (0.55, 0.5, 0.6, 0.75, 1.0, 1.25, 1.5, 1.6, 1.55, 1.3, 0.8, 0.6)
GROWTH = 1.5  # the programme files 2.5 times as many claims in its last year as in its first
NAMES = {
    "zh_Hans": ("王李张刘陈杨赵黄周吴金朴崔", ("桂兰", "明浩", "春生", "英子", "德福", "玉梅", "海",
                                         "建国", "秀英", "成浩", "立军", "丽")),
    "ko": ("김이박최정강", ("민수", "영희", "순자", "성호", "지훈")),
    "ru": (("Иванов", "Петров", "Ким", "Пак", "Волков", "Смирнов", "Лим", "Цой"),
           ("Иван", "Мария", "Сергей", "Ольга", "Андрей", "Наталья", "Виктор")),
    "en": (("Singh", "Kumar", "Das", "Mwangi", "Otieno", "Kamau", "Wanjiru", "Patel", "Njoroge"),
           ("Asha", "Ravi", "Joseph", "Grace", "Peter", "Mary", "Sunil", "Amina")),
}
COMMENTS = {
    "return": "Please add a photo of the damage and the claimant's bank details.",
    "withdraw": "The claimant withdrew the claim.",
    "reject": "The damage was not caused by a wild animal.",
    "propose_rejection": "The tracks at the site are those of dogs.",
}
REASONS = ("not_wildlife", "insufficient_evidence", "late_report", "duplicate", "outside_area")
NOTIFIED = {"submit", "return", "approve", "reject", "propose_rejection", "issue_voucher",
            "record_payment"}
METHODS = ("bank", "bank", "bank", "bank", "cash", "mobile")


class Codes:
    """Unique valid claim codes: an affine bijection of a counter onto the 40-bit bodies, skipping
    bodies whose check symbol a basic keypad hides (as ``generate_code`` does)."""

    MODULUS = 32 ** BODY_LENGTH

    def __init__(self, seed: int) -> None:
        mix = random.Random(f"codes-{seed}")  # noqa: S311 - reproducible, not secret
        self.multiplier = mix.randrange(self.MODULUS) | 1
        self.offset = mix.randrange(self.MODULUS)
        self.counter = 0

    def next(self) -> str:
        while True:
            value = (self.counter * self.multiplier + self.offset) % self.MODULUS
            self.counter += 1
            body = "".join(ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(BODY_LENGTH)))
            check = check_symbol(body)
            if check in ALPHABET:
                return body + check


class Calendar:
    """The day of each claim: a seasonal, growing distribution over ``years`` before ``now``."""

    def __init__(self, now: datetime, years: int) -> None:
        self.start = datetime.combine((now - timedelta(days=365 * years)).date(), time(), UTC)
        days = (now - self.start).days
        weights, total = [], 0.0
        for d in range(days):
            day = self.start + timedelta(days=d)
            total += SEASON[day.month - 1] * (1 + GROWTH * d / days)
            weights.append(total)
        self.cumulative = [w / total for w in weights]

    def moment(self, rng: random.Random, g: int, n: int) -> datetime:
        day = bisect.bisect_left(self.cumulative, (g + rng.random()) / n)
        return self.start + timedelta(days=min(day, len(self.cumulative) - 1),
                                      seconds=rng.randrange(86400))


class Residents:
    """About 0.3 claimants per claim, spread over the villages by their county's weight; a claim
    draws one of them, so many residents claim more than once."""

    def __init__(self, counties: list, claims: int, first_id: int, start: datetime) -> None:
        self.first_id, self.start = first_id, start
        villages = [(county, village) for county in counties for village in county.villages]
        weights = [county.weight / len(county.villages) for county, _ in villages]
        self.count = max(1, round(claims * 0.3))
        total, running, index = sum(weights), weights[0], 0
        self.village_of: list = []
        for slot in range(self.count):
            target = (slot + 0.5) / self.count * total
            while running < target and index < len(villages) - 1:
                index += 1
                running += weights[index]
            self.village_of.append(villages[index])

    def person(self, slot: int) -> dict:
        county, (village_id, _lat, _lon, _code) = self.village_of[slot]
        country = county.country
        language = country.languages[slot % len(country.languages)]
        surnames, given = NAMES[language]
        name_rng = random.Random(slot)  # noqa: S311 - reproducible, not secret
        sep = " " if language in ("ru", "en") else ""
        name = f"{name_rng.choice(given)}{sep}{name_rng.choice(surnames)}" if sep else \
            f"{name_rng.choice(surnames)}{name_rng.choice(given)}"
        digits = 15 - len(country.phone_prefix) + 1
        return {"id": self.first_id + slot, "name": name, "language": language,
                "phone": country.phone_prefix + str(slot).zfill(min(digits, 8)),
                "id_number": f"{country.code}{slot:012d}", "village_id": village_id}

    def rows(self):
        for slot in range(self.count):
            p = self.person(slot)
            yield (p["id"], p["name"], p["phone"], p["language"], p["village_id"],
                   p["id_number"], f"62{slot:014d}", self.start)


class Vouchers:
    """Numbers per issuing jurisdiction and period without gaps, and seals signed with the
    jurisdiction's key. The seal binds no identity number: scrypt for every payee would take
    hours, so every generated seal carries the digest of "" with one salt (see README)."""

    def __init__(self) -> None:
        self.last: dict = {}  # (prefix, period) -> last number given
        self.keys: dict = {}
        self.formats: dict = {}
        self.salt = b"hwc-gen1"
        self.payee_hash = payee_digest("", self.salt)

    def issue(self, county, day, amount: Decimal, currency: str):
        rules = county.rules
        prefix, text = rules["voucher_prefix"], rules["voucher_number_format"]
        number_format = self.formats.get(text) or self.formats.setdefault(
            text, NumberFormat.parse(text))
        period = number_format.period(day)
        seq = self.last.get((prefix, period), 0) + 1
        self.last[(prefix, period)] = seq
        number = number_format.render(prefix, day, seq)
        issuer = rules.sources["voucher_prefix"] or ""
        key = self.keys.get(issuer) or self.keys.setdefault(issuer, signing_key(issuer))
        fields = VoucherSeal(number=number, amount=amount, currency=currency, issued_on=day,
                             jurisdiction=issuer, payee_salt=self.salt,
                             payee_hash=self.payee_hash)
        return number, prefix, period, seq, issuer, seal(fields, key), key.fingerprint


class Texts:
    """The residents' SMS texts, rendered by ``hwc.sms.replies`` once per action, language and
    reason, then filled in."""

    def __init__(self) -> None:
        self.templates: dict = {}

    def notification(self, action, code, amount, language, reason):
        key = (action, language, reason)
        if key not in self.templates:
            self.templates[key] = replies.notification(action, "\x01", "\x02", language,
                                                       reason=reason)
        return self.templates[key].replace("\x01", code).replace("\x02", amount or "")


@lru_cache(maxsize=200_000)
def format_currency(amount: Decimal, currency: str, locale: str) -> str:
    """Babel's formatting, remembered: the same amounts recur (a head of cattle at the rate)."""
    return babel_format_currency(amount, currency, locale=locale)


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class ChunkMaker:
    """Makes the rows of claims ``g`` in ``range(first, last)``; ids continue from ``ids``."""

    def __init__(self, *, counties, claims, seed, now, calendar, residents, ids):
        self.counties, self.n, self.now = counties, claims, now
        self.calendar, self.residents, self.ids = calendar, residents, ids
        self.codes, self.vouchers, self.texts = Codes(seed), Vouchers(), Texts()
        self.rates_of: dict = {}
        self.seed = seed

    def read_schedules(self) -> None:
        """Read every county's rates now, so that making rows needs no database."""
        for county in self.counties:
            for _start, schedule in county.schedules:
                self.rates_of.setdefault(schedule.id, schedule_rates(schedule))

    def _rates(self, county, day):
        schedule = next((s for start, s in county.schedules if start <= day),
                        county.schedules[-1][1])
        if schedule.id not in self.rates_of:
            self.rates_of[schedule.id] = schedule_rates(schedule)
        return schedule.id, self.rates_of[schedule.id]

    def make(self, first: int, last: int) -> dict:
        rng = random.Random(f"{self.seed}-{first}")  # noqa: S311 - reproducible, not secret
        out = {name: [] for name in ("claims", "loss_items", "evidence", "vouchers",
                                     "sms_messages")}
        events = []
        for g in range(first, last):
            self._claim(rng, g, out, events)
        events.sort(key=lambda e: e[8])
        out["workflow_events"] = events
        return out

    def _next(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]

    def _items(self, rng, county, occurred, rates):
        kinds = "crop" if (occurred.month in county.country.crop_months and rng.random() < 0.65
                           ) else ("property" if rng.random() < 0.08 else "livestock")
        choices = rates.get(kinds) or rates["livestock"]
        items = []
        for _ in range(rng.choices((1, 2, 3), (70, 22, 8))[0]):
            category, condition, unit, rate = rng.choice(choices)
            if unit == "head":
                quantity = Decimal(rng.randint(1, 12 if category == "poultry" else 3))
            elif unit == "item":
                quantity = Decimal(rng.randint(1, 3))
            elif unit == "m2":
                quantity = Decimal(rng.randint(4, 40))
            else:
                top = 6.0 if unit == "mu" else 1.5
                quantity = Decimal(str(round(rng.uniform(0.1, top), 1)))
            items.append([kinds, category, condition, quantity, unit, rate])
        return kinds, items

    def _claim(self, rng, g, out, events):
        cal, residents = self.calendar, self.residents
        occurred = cal.moment(rng, g, self.n).replace(microsecond=0)
        late = rng.random() < 0.05
        reported = occurred + timedelta(hours=rng.uniform(72, 200) if late else
                                        rng.uniform(0.5, 48))
        reported = min(reported, self.now - timedelta(minutes=5)).replace(microsecond=0)
        slot = rng.randrange(residents.count)
        county, (village_id, lat, lon, village_code) = residents.village_of[slot]
        person = residents.person(slot)
        rules, zone, currency = county.rules, county.zone, county.rules.currency
        forced = self.n - 1 - g
        status = (REACHABLE[forced] if forced < len(REACHABLE) else
                  status_by_age(rng, (self.now - reported).total_seconds() / 86400))
        schedule_id, rates = self._rates(county, local_date(occurred, zone))
        kind, items = self._items(rng, county, occurred, rates)
        threshold = rules.second_approval_above
        if status == S.awaiting_second_approval:  # only a large claim waits on a senior
            items[0][3] = (threshold / items[0][5]).to_integral_value() + 1
        claimed_values = [_money(q * rate * Decimal(str(round(rng.uniform(1.0, 1.3), 2))))
                          if k == "livestock" else None for k, _c, _d, q, _u, rate in items]
        claimed_total = _money(sum((v if v is not None else it[3] * it[5])
                                   for v, it in zip(claimed_values, items, strict=True)))
        assessed_q = [q if rng.random() < 0.8 else max(
            (q * Decimal("0.7")).quantize(Decimal(1) if u in ("head", "item") else Decimal("0.1")),
            Decimal("0.1")) for _k, _c, _d, q, u, _r in items]
        amounts = [_money(aq * it[5]) for aq, it in zip(assessed_q, items, strict=True)]
        assessed_total = sum(amounts, Decimal(0))
        second = rules.needs_second_approval(assessed_total, currency)
        steps = steps_to(rng, status, second)
        moments = timed(steps, reported, self.now)
        staff = county.staff
        claim_id = self._next("claims")
        code = self.codes.next()
        species = rng.choice(county.country.species["crop" if kind == "crop" else "livestock"])
        clat = round(lat + rng.uniform(-0.05, 0.05), 6)
        clon = round(lon + rng.uniform(-0.05, 0.05), 6)
        c = dict.fromkeys(("submitted_at", "verified_at", "approved_at", "decided_at",
                           "paid_at", "verified_by_id", "approved_by_id",
                           "second_approved_by_id", "assessed_total", "approved_total",
                           "paid_total", "rate_schedule_id", "reason"))
        c["findings"] = ""
        verified = False
        voucher_id = voucher_number = None

        def event(step_action, duty, from_status, to_status, moment, comment="", changes=None):
            actor_id, role = staff[duty]
            events.append((claim_id, actor_id, role, step_action,
                           str(from_status) if from_status else None, str(to_status),
                           comment, changes or {}, moment))

        def text(action, moment, amount=None):
            self._sms(rng, out, claim_id, person, code, action, moment, amount, currency,
                      c["reason"])

        losses = []
        for (k, category, condition, quantity, unit, _rate), value in zip(
                items, claimed_values, strict=True):
            losses.append({"kind": k, "category": category, "condition": condition,
                           "quantity": str(quantity), "unit": unit,
                           "claimed_value": str(value) if value is not None else None})
        event("create", "officer", None, S.draft, moments[0], changes={
            "claimant": person["name"], "village": village_code,
            "occurred_at": occurred.isoformat(), "species": species, "lat": str(clat),
            "lon": str(clon), "narrative": "", "claimed_total": str(claimed_total),
            "currency": currency, "losses": losses})
        for _ in range(1 if rng.random() < 0.9 else 2):
            evidence_id = self._next("evidence")
            sha = f"{rng.getrandbits(256):064x}"
            added = moments[0] + timedelta(minutes=rng.randint(1, 30))
            out["evidence"].append((
                evidence_id, claim_id, f"gen-{uuid.UUID(int=rng.getrandbits(128)).hex}.jpg",
                "field.jpg", "image/jpeg", rng.randint(150_000, 900_000), 1600, 1200, sha,
                occurred, Decimal(str(clat)), Decimal(str(clon)), "", staff["officer"][0], added))
            event("add_evidence", "officer", S.draft, S.draft, added, changes={
                "evidence_id": evidence_id, "sha256": sha, "captured_at": occurred.isoformat(),
                "lat": str(clat), "lon": str(clon), "caption": ""})
        for step, moment in zip(steps[1:], moments[1:], strict=True):
            changes, comment = {}, COMMENTS.get(step.action, "")
            if step.action in ("submit", "resubmit"):
                c["submitted_at"] = moment
            elif step.action == "verify":
                verified = True
                findings = "Tracks and remains match the report."
                changes = {"assessed_total": {"from": None, "to": str(assessed_total)},
                           "findings": {"from": "", "to": findings},
                           "rate_schedule_id": {"from": None, "to": schedule_id}}
                c.update(verified_at=moment, verified_by_id=staff["inspector"][0],
                         assessed_total=assessed_total, findings=findings,
                         rate_schedule_id=schedule_id)
            elif step.action == "approve" and step.duty == "approver":
                c.update(approved_by_id=staff["approver"][0], approved_total=assessed_total)
                changes = {"approved_total": {"from": None, "to": str(assessed_total)}}
            elif step.action in ("reject", "propose_rejection"):
                c["reason"] = rng.choice(REASONS)
                changes = {"reason": {"from": None, "to": c["reason"]}}
                c["decided_at"] = moment
            elif step.action == "withdraw":
                c["decided_at"] = moment
            elif step.action == "issue_voucher":
                day = local_date(moment, zone)
                number, prefix, period, seq, issuer, sealed, fingerprint = self.vouchers.issue(
                    county, day, assessed_total, currency)
                voucher_id, voucher_number = self._next("vouchers"), number
                out["vouchers"].append([
                    voucher_id, number, claim_id, issuer, prefix, period, seq, assessed_total,
                    assessed_total, Decimal(0), 0, [], None, currency, "issued",
                    rules["voucher_authority"], rules["office_language"], day, moment,
                    staff["finance"][0], sealed, fingerprint, None, None, None, None, None,
                    None, None, None])
                changes = {"voucher": {"number": number,
                                       "amount": money_string(assessed_total, currency),
                                       "currency": currency}}
            elif step.action == "record_payment":
                method = rng.choice(METHODS)
                reference = "" if method == "cash" else f"TX{voucher_id:010d}"
                paid_on = local_date(moment, zone)
                row = out["vouchers"][-1]
                row[14], row[22], row[23], row[24], row[25], row[26] = (
                    "paid", method, reference, paid_on, moment, staff["finance"][0])
                c.update(paid_total=assessed_total, paid_at=moment)
                changes = {"paid_total": {"from": None, "to": str(assessed_total)},
                           "voucher": {"number": voucher_number, "status": "paid"},
                           "payment": {"method": method, "reference": reference,
                                       "paid_on": paid_on.isoformat()}}
            if step.action == "approve" and step.to_status == S.approved:
                c.update(approved_at=moment, decided_at=moment)
                if step.duty == "senior":
                    c["second_approved_by_id"] = staff["senior"][0]
            event(step.action, step.duty, step.from_status, step.to_status, moment, comment,
                  changes)
            if step.action in NOTIFIED and not (step.action == "approve"
                                                and step.to_status != S.approved):
                text("reject" if step.action == "propose_rejection" else step.action, moment,
                     c["paid_total"] or c["approved_total"])
        for position, ((k, category, condition, quantity, unit, rate), value, aq, amount) in \
                enumerate(zip(items, claimed_values, assessed_q, amounts, strict=True)):
            out["loss_items"].append((
                self._next("loss_items"), claim_id, position, k, category, condition, quantity,
                unit, value, None, "", "", "",
                aq if verified else None, None, "per_unit" if verified else None,
                rate if verified else None, None, unit if verified else None,
                amount if verified else None))
        if status != S.draft and rng.random() < 0.05:
            self._status_query(rng, out, claim_id, person, code, status, moments[-1], c,
                               currency, zone)
        times = {"submitted_at": c["submitted_at"], "verified_at": c["verified_at"],
                 "approved_at": c["approved_at"]}
        out["claims"].append((
            claim_id, code, uuid.UUID(int=rng.getrandbits(128), version=4), person["id"],
            village_id, occurred, reported, Decimal(str(clat)), Decimal(str(clon)),
            Decimal(str(rng.randint(3, 60))), species, "", status.value, staff["officer"][0],
            c["verified_by_id"], c["approved_by_id"], c["second_approved_by_id"], currency,
            claimed_total, c["assessed_total"], c["approved_total"], c["paid_total"],
            c["rate_schedule_id"], c["findings"], c["reason"], c["submitted_at"],
            c["verified_at"], c["approved_at"], c["decided_at"], c["paid_at"],
            due_at(status, times, rules, zone), None, moments[0], moments[-1],
            len(steps) + 1))

    def _sms(self, rng, out, claim_id, person, code, action, moment, amount, currency, reason):
        language = person["language"]
        amount_text = (format_currency(amount, currency, locale=language)
                       if amount is not None else None)
        if action in ("approve", "issue_voucher", "record_payment") and amount_text is None:
            return
        body = self.texts.notification(action, format_code(code), amount_text, language,
                                       reason if action == "reject" else None)
        failed = rng.random() < 0.02
        sent = moment + timedelta(seconds=rng.randint(2, 120))
        out["sms_messages"].append((
            self._next("sms_messages"), "outbound", person["phone"], body, language, claim_id,
            action, "failed" if failed else "delivered", "", moment, sent,
            None if failed else sent + timedelta(seconds=rng.randint(1, 30))))

    def _status_query(self, rng, out, claim_id, person, code, status, after, c, currency, zone):
        moment = after + timedelta(hours=rng.uniform(1, 72))
        if moment >= self.now:
            return
        language = person["language"]
        amount = c["paid_total"] or c["approved_total"]
        amount_text = (format_currency(amount, currency, locale=language)
                       if amount is not None and status not in (S.rejected, S.withdrawn)
                       else None)
        reply = replies.status_reply(format_code(code), status, amount_text=amount_text,
                                     updated_on=local_date(after, zone), language=language)
        for direction, body, state in (("inbound", format_code(code), "received"),
                                       ("outbound", reply, "replied")):
            out["sms_messages"].append((
                self._next("sms_messages"), direction, person["phone"], body[:1000], language,
                claim_id, "status", state, "", moment, None, None))
