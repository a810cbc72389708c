"""The words printed on pictures and documents, one dict per language.

Kept here until the project's message catalogue exists; texts that depend on the conversation (the
cashback badge, a payee's name, a share headline) come from the caller already translated.
"""

from __future__ import annotations

from typing import Final, TypedDict

from messenger_bank.types import Language


class Labels(TypedDict):
    card_digital: str
    card_plastic: str
    card_valid_thru: str
    receipt_title: str
    kind_transfer: str
    kind_top_up: str
    kind_payment: str
    amount: str
    fee: str
    total: str
    source: str
    destination: str
    details: str
    date_time: str
    operation_id: str
    status: str
    status_completed: str
    status_pending: str
    status_failed: str
    status_refunded: str
    receipt_footer: str
    requisites_title: str
    holder: str
    iban: str
    currency: str
    bank: str
    bank_address: str
    bic: str
    unp: str
    issued_on: str
    requisites_footer: str
    share_headline: str
    share_code: str
    share_scan: str
    offers_headline: str


EN: Final[Labels] = {
    "card_digital": "DIGITAL",
    "card_plastic": "PLASTIC",
    "card_valid_thru": "VALID THRU",
    "receipt_title": "Receipt",
    "kind_transfer": "Transfer to card",
    "kind_top_up": "Card top-up",
    "kind_payment": "Payment for services",
    "amount": "Amount",
    "fee": "Fee",
    "total": "Total",
    "source": "From",
    "destination": "To",
    "details": "Details",
    "date_time": "Date and time",
    "operation_id": "Operation ID",
    "status": "Status",
    "status_completed": "Completed",
    "status_pending": "Processing",
    "status_failed": "Declined",
    "status_refunded": "Refunded",
    "receipt_footer": "Electronic receipt issued by Messenger Bank. Keep it for your records.",
    "requisites_title": "Account details",
    "holder": "Account holder",
    "iban": "Account number (IBAN)",
    "currency": "Account currency",
    "bank": "Bank",
    "bank_address": "Bank address",
    "bic": "BIC",
    "unp": "Bank taxpayer number (UNP)",
    "issued_on": "Date of issue",
    "requisites_footer": ("This document was generated electronically and is valid without a signature or a stamp."),
    "share_headline": "Your bank card in the chat in 30 seconds",
    "share_code": "Your invitation code",
    "share_scan": "Scan the code with your phone camera or follow the link",
    "offers_headline": "Cashback from the bank's partners",
}

RU: Final[Labels] = {
    "card_digital": "ЦИФРОВАЯ",
    "card_plastic": "ПЛАСТИКОВАЯ",
    "card_valid_thru": "VALID THRU",
    "receipt_title": "Квитанция",
    "kind_transfer": "Перевод на карту",
    "kind_top_up": "Пополнение карты",
    "kind_payment": "Оплата услуг",
    "amount": "Сумма",
    "fee": "Комиссия",
    "total": "Итого",
    "source": "Откуда",
    "destination": "Куда",
    "details": "Назначение",
    "date_time": "Дата и время",
    "operation_id": "Номер операции",
    "status": "Статус",
    "status_completed": "Выполнено",
    "status_pending": "В обработке",
    "status_failed": "Отклонено",
    "status_refunded": "Возвращено",
    "receipt_footer": "Электронная квитанция Messenger Bank. Сохраните её для учёта.",
    "requisites_title": "Реквизиты счёта",
    "holder": "Владелец счёта",
    "iban": "Номер счёта (IBAN)",
    "currency": "Валюта счёта",
    "bank": "Банк",
    "bank_address": "Адрес банка",
    "bic": "БИК",
    "unp": "УНП банка",
    "issued_on": "Дата выдачи",
    "requisites_footer": "Документ сформирован в электронном виде и действителен без подписи и печати.",
    "share_headline": "Банковская карта в мессенджере за 30 секунд",
    "share_code": "Ваш код приглашения",
    "share_scan": "Наведите камеру телефона на код или перейдите по ссылке",
    "offers_headline": "Кэшбэк у партнёров банка",
}

BE: Final[Labels] = {
    "card_digital": "ЛІЧБАВАЯ",
    "card_plastic": "ПЛАСТЫКАВАЯ",
    "card_valid_thru": "VALID THRU",
    "receipt_title": "Квітанцыя",
    "kind_transfer": "Пераказ на картку",
    "kind_top_up": "Папаўненне карткі",
    "kind_payment": "Аплата паслуг",
    "amount": "Сума",
    "fee": "Камісія",
    "total": "Усяго",
    "source": "Адкуль",
    "destination": "Куды",
    "details": "Прызначэнне",
    "date_time": "Дата і час",
    "operation_id": "Нумар аперацыі",
    "status": "Статус",
    "status_completed": "Выканана",
    "status_pending": "Апрацоўваецца",
    "status_failed": "Адхілена",
    "status_refunded": "Вернута",
    "receipt_footer": "Электронная квітанцыя Messenger Bank. Захавайце яе для ўліку.",
    "requisites_title": "Рэквізіты рахунку",
    "holder": "Уладальнік рахунку",
    "iban": "Нумар рахунку (IBAN)",
    "currency": "Валюта рахунку",
    "bank": "Банк",
    "bank_address": "Адрас банка",
    "bic": "БІК",
    "unp": "УНП банка",
    "issued_on": "Дата выдачы",
    "requisites_footer": "Дакумент сфарміраваны ў электронным выглядзе і сапраўдны без подпісу і пячаткі.",
    "share_headline": "Банкаўская картка ў месенджары за 30 секунд",
    "share_code": "Ваш код запрашэння",
    "share_scan": "Навядзіце камеру тэлефона на код або перайдзіце па спасылцы",
    "offers_headline": "Кэшбэк у партнёраў банка",
}

LABELS: Final[dict[Language, Labels]] = {"en": EN, "ru": RU, "be": BE}


def labels(language: Language) -> Labels:
    return LABELS[language]
