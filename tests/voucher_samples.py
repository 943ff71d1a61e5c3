"""Voucher documents written by hand, as the printing code would build them, for the PDF tests and
the benchmark: a Chinese office paying a Russian-speaking and a Korean-speaking payee, a Russian
office and an English one. The labels are literal translations, so nothing here needs catalogues."""

from hwc.vouchers.document import AmountInWords, Label, Signatory, VoucherDocument, VoucherLine

TEXTS = {
    "en": {
        "title": "Payment voucher", "number": "Voucher number", "issued_on": "Date of issue",
        "status": "Status", "authority": "Issuing authority", "payee": "Payee",
        "id_number": "Identity number", "village": "Village", "account": "Bank account",
        "claim": "Claim", "incident": "Incident", "species": "Species", "item": "Item",
        "quantity": "Quantity", "unit": "Unit", "rate": "Rate", "amount": "Amount",
        "total": "Total", "in_words": "Amount in words",
        "approvals": "Verification and approval", "verified_by": "Verified by",
        "approved_by": "Approved by", "second_approval": "Second approval", "name": "Name",
        "when": "Date and time", "signature": "Signature", "date": "Date", "seal": "Seal",
        "issued_by": "Issued by", "received_by": "Received by (payee)",
        "scan_to_verify": "Scan to verify", "key_fingerprint": "Key fingerprint",
        "issued": "Issued", "paid": "Paid", "void": "Void",
    },
    "zh_Hans": {
        "title": "补偿款付款凭证", "number": "凭证编号", "issued_on": "开具日期", "status": "状态",
        "authority": "开具机关", "payee": "收款人", "id_number": "身份证号码",
        "village": "村（居民点）", "account": "银行账户", "claim": "补偿申请", "incident": "事件",
        "species": "致害物种",
        "item": "项目", "quantity": "数量", "unit": "单位", "rate": "标准", "amount": "金额",
        "total": "合计", "in_words": "金额（大写）", "approvals": "核实与审批",
        "verified_by": "核实人", "approved_by": "审批人", "second_approval": "复审人",
        "name": "姓名", "when": "日期时间", "signature": "签名", "date": "日期", "seal": "公章",
        "issued_by": "开具人", "received_by": "收款人签收", "scan_to_verify": "扫码核验",
        "key_fingerprint": "密钥指纹", "issued": "已开具", "paid": "已支付", "void": "作废",
    },
    "ru": {
        "title": "Платёжный документ", "number": "Номер документа", "issued_on": "Дата выдачи",
        "status": "Статус", "authority": "Выдавший орган", "payee": "Получатель",
        "id_number": "Номер удостоверения личности", "village": "Село / посёлок",
        "account": "Банковский счёт", "claim": "Заявление", "incident": "Происшествие",
        "species": "Вид животного", "item": "Наименование", "quantity": "Количество",
        "unit": "Единица", "rate": "Ставка", "amount": "Сумма", "total": "Итого",
        "in_words": "Сумма прописью", "approvals": "Проверка и утверждение",
        "verified_by": "Проверил", "approved_by": "Утвердил",
        "second_approval": "Второе утверждение",
        "name": "ФИО", "when": "Дата и время", "signature": "Подпись", "date": "Дата",
        "seal": "Печать", "issued_by": "Выдал", "received_by": "Получил (получатель)",
        "scan_to_verify": "Отсканируйте для проверки", "key_fingerprint": "Отпечаток ключа",
        "issued": "Выдан", "paid": "Оплачен", "void": "Аннулирован",
    },
    "ko": {
        "title": "보상금 지급 전표", "number": "전표 번호", "issued_on": "발행일", "status": "상태",
        "authority": "발행 기관", "payee": "수령인", "id_number": "신분증 번호", "village": "마을",
        "account": "은행 계좌", "claim": "청구", "incident": "사고", "species": "가해 동물",
        "item": "항목", "quantity": "수량", "unit": "단위", "rate": "단가", "amount": "금액",
        "total": "합계", "in_words": "금액(한글)", "approvals": "확인 및 승인",
        "verified_by": "확인자", "approved_by": "승인자", "second_approval": "2차 승인",
        "name": "성명", "when": "일시", "signature": "서명", "date": "날짜", "seal": "직인",
        "issued_by": "발행자", "received_by": "수령 확인(수령인)",
        "scan_to_verify": "스캔하여 확인",
        "key_fingerprint": "키 지문", "issued": "발행됨", "paid": "지급됨", "void": "무효",
    },
}

WORDS = {  # 1,409.50 in the currency each office pays in
    ("zh_Hans", "zh_Hans"): "人民币壹仟肆佰零玖元伍角整",
    ("zh_Hans", "ru"): "Одна тысяча четыреста девять юаней 50 фэней",
    ("zh_Hans", "ko"): "인민폐 천사백구 위안 오십 펀",
    ("zh_Hans", "en"): "Renminbi one thousand four hundred nine yuan and fifty fen",
    ("ru", "ru"): "Одна тысяча четыреста девять рублей 50 копеек",
    ("ru", "en"): "One thousand four hundred nine roubles and fifty kopecks",
    ("en", "en"): "Indian rupees one thousand four hundred nine and paise fifty only",
}

OFFICES = {
    "zh_Hans": {
        "authority": "吉林省珲春市林业和草原局 东北虎豹国家公园珲春管理分局 野生动物致害补偿办公室",
        "currency": "CNY", "total": "1,409.50", "number": "HC-2026-11-000123",
        "village": "珲春市 · 春化镇 · 草帽村", "incident_on": "2026-11-20 06:30",
        "issued_on": "2026-11-25", "species": "东北虎",
        "lines": [("羊（死亡）", "1", "只", "每只 800.00", "800.00"),
                  ("鸡（死亡）", "5", "只", "每只 20.00", "100.00"),
                  ("玉米（受损 50%）", "2", "亩", "每亩 509.50 的 50%", "509.50")],
        "signatories": [("verified_by", "王建国", "2026-11-21 10:15"),
                        ("approved_by", "李秀英", "2026-11-24 16:40")],
    },
    "ru": {
        "authority": "Администрация Хасанского муниципального округа Приморского края",
        "currency": "RUB", "total": "1 409,50", "number": "ХС-2026-000045",
        "village": "Хасанский округ · Барабаш · Занадворовка", "incident_on": "20.11.2026 06:30",
        "issued_on": "25.11.2026", "species": "Амурский тигр",
        "lines": [("Овца (гибель)", "1", "гол.", "800,00 за голову", "800,00"),
                  ("Курица (гибель)", "5", "гол.", "20,00 за голову", "100,00"),
                  ("Кукуруза (ущерб 50 %)", "0,2", "га", "50 % от 5 095,00 за га", "509,50")],
        "signatories": [("verified_by", "Соколов А. В.", "21.11.2026 10:15 (Владивосток)"),
                        ("approved_by", "Ким Н. В.", "24.11.2026 16:40 (Владивосток)")],
    },
    "en": {
        "authority": "Office of the Field Director, Sundarbans Tiger Reserve, West Bengal",
        "currency": "INR", "total": "1,409.50", "number": "STR-2026-000321",
        "village": "South 24 Parganas · Gosaba · Satjelia", "incident_on": "2026-11-20 06:30",
        "issued_on": "2026-11-25", "species": "Bengal tiger",
        "lines": [("Goat (dead)", "1", "head", "800.00 per head", "800.00"),
                  ("Chicken (dead)", "5", "head", "20.00 per head", "100.00"),
                  ("Paddy (50% damage)", "0.2", "ha", "50% of 5,095.00 per ha", "509.50")],
        "signatories": [("verified_by", "Anita Sarkar", "2026-11-21 10:15"),
                        ("approved_by", "Debashis Roy", "2026-11-24 16:40")],
    },
}

ITEM_IN = {  # the item names and species in the payee's language, after " / "
    "ru": {"羊（死亡）": "Овца (гибель)", "鸡（死亡）": "Курица (гибель)",
           "玉米（受损 50%）": "Кукуруза (ущерб 50 %)", "东北虎": "Амурский тигр"},
    "ko": {"羊（死亡）": "양(폐사)", "鸡（死亡）": "닭(폐사)",
           "玉米（受损 50%）": "옥수수(피해 50%)", "东北虎": "백두산호랑이"},
}

PAYEES = {
    "ru": ("Иванов Пётр Сергеевич", "2224**********1234", "6222 **** **** 3445"),
    "ko": ("김영수", "2224**********5678", "6217 **** **** 0912"),
    "zh_Hans": ("张丽华", "2224**********9012", "6228 **** **** 7781"),
    "en": ("Ramesh Mondal", "XXXX-XXXX-4821", "SBIN **** **** 2207"),
}

QR_TEXT = ("HTTPS://HWC.EXAMPLE.ORG/V/6BFOXN*TS0BI$ZD8UHS8-VE5F5M-ZGS/P7%E:LPJ+3X"
           "G2B3M$%R:1L2VMTK7GGKQ6OZ8W6+Q3CK-*ME4J5/F8D7ELM0JYNJ4FG0:LP09")


def labels(office: str, payee: str) -> dict[str, Label]:
    return {key: Label(TEXTS[office][key], TEXTS[payee][key]) for key in TEXTS["en"]}


def sample_document(office: str = "zh_Hans", payee: str = "ru", *, lines: int = 3,
                    void: bool = False, payee_name: str | None = None,
                    authority: str | None = None) -> VoucherDocument:
    """A voucher from an office writing ``office`` to a payee reading ``payee``, with ``lines``
    item lines (the three real ones repeated, the amounts unchanged: only the layout counts)."""
    facts = OFFICES[office]
    translate = ITEM_IN.get(payee, {}) if payee != office else {}

    def both(text: str) -> str:
        return f"{text} / {translate[text]}" if text in translate else text

    name, id_number, account = PAYEES[payee]
    words = [AmountInWords(office, WORDS[(office, office)])]
    if payee != office:
        words.append(AmountInWords(payee, WORDS[(office, payee)]))
    pair = labels(office, payee)
    return VoucherDocument(
        office_language=office,
        payee_language=payee,
        labels=pair,
        authority=authority or facts["authority"],
        number=facts["number"],
        issued_on=facts["issued_on"],
        status=pair["void"] if void else pair["issued"],
        void=void,
        payee_name=payee_name or name,
        payee_id_number=id_number,
        payee_village=facts["village"],
        payee_account=account,
        claim_code="K7M3-Q9X2-T",
        incident_on=facts["incident_on"],
        species=Label(facts["species"], translate.get(facts["species"], facts["species"])),
        lines=[VoucherLine(both(item), quantity, unit, rate, amount)
               for item, quantity, unit, rate, amount in
               (facts["lines"][i % len(facts["lines"])] for i in range(lines))],
        currency=facts["currency"],
        total=facts["total"],
        words=words,
        signatories=[Signatory(pair[role], who, when) for role, who, when in facts["signatories"]],
        qr_text=QR_TEXT,
        verify_url=QR_TEXT,
        key_fingerprint="ed25519:HC-2026:7f3a 9c41 0be2 55d8 a1c0 6e97 3b2f 84d1",
    )
