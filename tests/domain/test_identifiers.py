import pytest

from debitor.identifiers import (
    IdentifierError,
    inn_check_digit,
    settlement_account_with_key,
    validate_bik,
    validate_corr_account,
    validate_inn,
    validate_kpp,
    validate_ogrn,
    validate_settlement_account,
)


@pytest.mark.parametrize("inn", ["7709123453", "5003123458", "770512345650"])
def test_valid_inns(inn):
    assert validate_inn(f" {inn} ") == inn


@pytest.mark.parametrize(
    ("inn", "fragment"),
    [
        ("7709123454", "контрольное число"),
        ("770512345651", "контрольное число"),
        ("77091234", "10 или 12"),
        ("77O9123453", "цифр"),
    ],
)
def test_invalid_inns_say_why(inn, fragment):  # messages are Russian by default
    with pytest.raises(IdentifierError) as err:
        validate_inn(inn)
    assert fragment in str(err.value)


def test_inn_check_digit_builds_valid_numbers():
    for stem in ("770912345", "500312345", "123456789"):
        assert validate_inn(inn_check_digit(stem))


@pytest.mark.parametrize("kpp", ["770901001", "7709AB001", "7709ab001"])
def test_kpp_format(kpp):
    assert validate_kpp(kpp) == kpp.upper()


@pytest.mark.parametrize("kpp", ["77090100", "7709010011", "AB0901001", "770901A01"])
def test_kpp_rejects(kpp):
    with pytest.raises(IdentifierError):
        validate_kpp(kpp)


def test_ogrn_and_ogrnip():
    assert validate_ogrn("1027700123450")
    with pytest.raises(IdentifierError):
        validate_ogrn("1027700123451")
    # ОГРНИП whose remainder mod 13 is >= 10: stdnum rejects such numbers, the rule accepts them
    stem = next(s for s in (f"3047700{n:07d}" for n in range(1000)) if int(s) % 13 >= 10)
    ogrnip = stem + str(int(stem) % 13 % 10)
    assert validate_ogrn(ogrnip) == ogrnip
    with pytest.raises(IdentifierError):
        validate_ogrn(stem + str((int(stem) % 13 % 10 + 1) % 10))


def test_bank_accounts_against_bik():
    assert validate_bik("044525225")
    assert validate_settlement_account("40702810200000012345", "044525225")
    assert validate_settlement_account("40702810700000067890", "044525225")
    assert validate_corr_account("30101810400000000225", "044525225")
    with pytest.raises(IdentifierError, match="контрольный ключ"):
        validate_settlement_account("40702810200000012346", "044525225")
    with pytest.raises(IdentifierError, match="контрольный ключ"):
        validate_corr_account("30101810400000000226", "044525225")
    with pytest.raises(IdentifierError):
        validate_bik("994525225")


def test_account_key_builder_produces_valid_accounts():
    for stem in ("4070281000000001234", "4070281099999999999"):
        acc = settlement_account_with_key("044525593", stem)
        assert validate_settlement_account(acc, "044525593") == acc
