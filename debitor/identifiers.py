"""Russian identifiers: ИНН, КПП, ОГРН/ОГРНИП, БИК and bank account keys.

ИНН and ОГРН (13 digits) use python-stdnum; ОГРНИП is checked here because stdnum's check rejects
valid numbers whose remainder mod 13 is 10 or more; КПП, БИК and account keys are not in stdnum.
Every check raises ``IdentifierError`` with a message that says what is wrong.
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from stdnum.exceptions import ValidationError
from stdnum.ru import inn as std_inn
from stdnum.ru import ogrn as std_ogrn


class IdentifierError(ValueError):
    pass


def _digits(value: str, lengths: tuple[int, ...], label: str) -> str:
    value = (value or "").strip().replace(" ", "")
    if not (value.isascii() and value.isdigit()) or len(value) not in lengths:  # not ² or ٣
        n = " или ".join(str(x) for x in lengths)
        raise IdentifierError(_l("%(label)s must be %(n)s digits", label=label, n=n))
    return value


def validate_inn(value: str) -> str:
    value = _digits(value, (10, 12), "ИНН")
    try:
        std_inn.validate(value)
    except ValidationError as exc:
        raise IdentifierError(_l("ИНН %(value)s has a wrong check digit", value=value)) from exc
    return value


def validate_kpp(value: str) -> str:
    value = (value or "").strip().upper()
    if not re.fullmatch(r"[0-9]{4}[0-9A-Z]{2}[0-9]{3}", value):
        raise IdentifierError(_l("КПП must be 9 characters: 4 digits, 2 digits or letters, 3 digits"))
    return value


def validate_ogrn(value: str) -> str:
    value = _digits(value, (13, 15), "ОГРН")
    if len(value) == 13:
        try:
            std_ogrn.validate(value)
        except ValidationError as exc:
            raise IdentifierError(_l("ОГРН %(value)s has a wrong check digit", value=value)) from exc
    elif int(value[:14]) % 13 % 10 != int(value[14]):
        raise IdentifierError(_l("ОГРНИП %(value)s has a wrong check digit", value=value))
    return value


def validate_bik(value: str) -> str:
    value = _digits(value, (9,), "БИК")
    if not value.startswith(("04", "01", "00")):
        raise IdentifierError(_l("БИК must start with 04 (banks) or 01 (treasury)"))
    return value


_WEIGHTS = (7, 1, 3) * 8


def _account_key_ok(prefix3: str, account: str) -> bool:
    digits = prefix3 + account
    return sum((int(d) * w) % 10 for d, w in zip(digits, _WEIGHTS, strict=False)) % 10 == 0


def validate_settlement_account(account: str, bik: str) -> str:
    """Расчётный счёт (20 digits) checked against the bank's БИК (its digits 7–9)."""
    account = _digits(account, (20,), _l("Account number"))
    bik = validate_bik(bik)
    if bik.startswith("01"):
        return account  # treasury accounts do not follow the key rule
    if not _account_key_ok(bik[6:9], account):
        raise IdentifierError(_l("Account %(acc)s does not match БИК %(bik)s (control key)", acc=account, bik=bik))
    return account


def validate_corr_account(account: str, bik: str) -> str:
    """Корреспондентский счёт checked with '0' + БИК digits 5–6."""
    account = _digits(account, (20,), _l("Correspondent account"))
    bik = validate_bik(bik)
    if bik.startswith("01"):
        return account
    if not _account_key_ok("0" + bik[4:6], account):
        raise IdentifierError(
            _l("Correspondent account %(acc)s does not match БИК %(bik)s (control key)", acc=account, bik=bik)
        )
    return account


def inn_check_digit(first: str) -> str:
    """Complete a 9-digit organisation ИНН stem with its check digit (demo and bench data)."""
    w = (2, 4, 10, 3, 5, 9, 4, 6, 8)
    return first + str(sum(int(d) * k for d, k in zip(first, w, strict=True)) % 11 % 10)


def ogrn_check_digit(first: str) -> str:
    return first + str(int(first) % 11 % 10)


def settlement_account_with_key(bik: str, stem: str) -> str:
    """Build a valid 20-digit account from a 19-digit stem by fixing digit 9 (the key position)."""
    for k in range(10):
        acc = stem[:8] + str(k) + stem[8:19]
        if _account_key_ok(bik[6:9], acc):
            return acc
    raise AssertionError("unreachable: one key digit always fits")
