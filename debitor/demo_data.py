"""The demo company's tables: staff, the words client names are made of, people, cities, banks, how clients
pay, and the payment purposes they write (``debitor.demo`` builds the company from them)."""

from __future__ import annotations

from debitor.auth.models import Role

STAFF = [
    ("admin@debitor.local", "Ольга Смирнова", Role.ADMIN),
    ("clerk@debitor.local", "Ирина Ковалёва", Role.CLERK),
    ("am@debitor.local", "Дмитрий Орлов", Role.ACCOUNT_MANAGER),
    ("am2@debitor.local", "Анна Белова", Role.ACCOUNT_MANAGER),
    ("manager@debitor.local", "Сергей Волков", Role.MANAGER),
]

WORDS = [
    "Альфа",
    "Вектор",
    "Гранит",
    "Меридиан",
    "Север",
    "Орбита",
    "Пульс",
    "Радуга",
    "Сигма",
    "Тандем",
    "Феникс",
    "Эверест",
    "Янтарь",
    "Кедр",
    "Ладья",
    "Маяк",
    "Нева",
    "Олимп",
    "Парус",
    "Рубин",
    "Сапфир",
    "Титан",
    "Урал",
    "Фортуна",
    "Цитадель",
    "Экспресс",
    "Байкал",
    "Волна",
    "Горизонт",
    "Дельта",
    "Зенит",
    "Исток",
    "Космос",
    "Лотос",
    "Магистраль",
    "Ника",
    "Оникс",
    "Прайм",
    "Ритм",
    "Стрела",
    "Терра",
    "Универсал",
    "Фокус",
    "Эталон",
    "Юпитер",
    "Аврора",
    "Бриз",
    "Вега",
    "Гамма",
    "Добрыня",
]
TRADES = [
    "Маркет",
    "Трейд",
    "Строй",
    "Логистик",
    "Медиа",
    "Фуд",
    "Тех",
    "Авто",
    "Дом",
    "Мебель",
    "Тур",
    "Клиник",
    "Фарм",
    "Спорт",
    "Стиль",
    "Снаб",
    "Сервис",
    "Кафе",
    "Девелопмент",
    "Электро",
]
PEOPLE = [
    "Иванов Пётр Сергеевич",
    "Кузнецова Мария Андреевна",
    "Попов Алексей Игоревич",
    "Соколова Елена Викторовна",
    "Лебедев Николай Павлович",
    "Новикова Татьяна Олеговна",
    "Морозов Артём Денисович",
    "Павлова Светлана Юрьевна",
    "Фёдоров Игорь Владимирович",
]
CITIES = [
    ("77", "г. Москва", "ул. Тверская"),
    ("78", "г. Санкт-Петербург", "Невский пр-т"),
    ("50", "Московская обл., г. Химки", "ул. Ленина"),
    ("66", "г. Екатеринбург", "ул. Малышева"),
    ("54", "г. Новосибирск", "Красный пр-т"),
    ("16", "г. Казань", "ул. Баумана"),
]
BANKS = [
    ("ПАО Сбербанк", "044525225", "30101810400000000225"),
    ("АО «Альфа-Банк»", "044525593", "30101810200000000593"),
    ("Банк ВТБ (ПАО)", "044525187", "30101810700000000187"),
    ("АО «Тинькофф Банк»", "044525974", "30101810145250000974"),
]
# how a client pays (its profile), and how many days after the issue date: a range for random.randrange
PAYMENT_DELAYS = {
    "prompt": (1, 9),
    "late": (8, 40),
    "partial": (3, 20),
    "bundler": (20, 35),
    "overpayer": (1, 6),
    "chronic": (25, 90),
}
PROFILES = ["prompt"] * 5 + ["late"] * 3 + ["partial", "bundler", "overpayer", "chronic"]

ORGANISATION = {
    "name": "Общество с ограниченной ответственностью «Дебитор Медиа»",
    "short_name": "ООО «Дебитор Медиа»",
    "inn": "7709123453",
    "kpp": "770901001",
    "ogrn": "1027700123450",
    "legal_address": "125009, г. Москва, ул. Тверская, д. 7, офис 512",
    "director_name": "Смирнов А. В.",
    "accountant_name": "Ковалёва И. Н.",
}
SBERBANK = {"bank_name": "ПАО Сбербанк", "bik": "044525225", "corr_account": "30101810400000000225"}
ACCOUNTS = [{"account": "40702810200000012345", "is_primary": True}, {"account": "40702810700000067890"}]


def payment_purpose(invoices, style: int) -> str:
    """A payment order's purpose as clients write them (three styles), naming ``invoices``."""
    refs = ", ".join(f"№ {i.number} от {i.issued_on:%d.%m.%Y}" for i in invoices)
    vat = sum(i.vat_kopecks for i in invoices)
    if style == 0:
        return f"Оплата по счету {refs} за рекламные услуги. В т.ч. НДС {vat // 100}-{vat % 100:02d}"
    if style == 1:
        total = sum(i.total_kopecks for i in invoices)
        return f"Оплата счета {refs.replace('№ ', 'N')} Сумма {total // 100}.{total % 100:02d} в т.ч. НДС"
    return f"Оплата по сч. {refs} по договору {invoices[0].contract.number}"
