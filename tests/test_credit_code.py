"""统一社会信用代码 (unified social credit code): GB 32100 and the GB 11714 organization code inside.

Art. 3 requires a center to be an independent legal entity; its credit code is checked before
recommendation, so a mistyped code must be caught when it is entered.
"""

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from hypothesis import given
from hypothesis import strategies as st

from accounts.credit_code import (
    ALPHABET,
    MESSAGE_CHARACTERS,
    MESSAGE_CHECK,
    MESSAGE_LENGTH,
    check_character,
    complete,
    normalize,
    validate_credit_code,
)
from applications.models import IntentApplication

VALID = ["91350100M000100Y43", "91110000802100433B"]


def error_code(value: str) -> str:
    with pytest.raises(ValidationError) as excinfo:
        validate_credit_code(value)
    return excinfo.value.error_list[0].code


def is_valid(value: str) -> bool:
    try:
        validate_credit_code(value)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize("code", VALID)
def test_gb32100_known_codes_are_valid(code):
    validate_credit_code(code)


@pytest.mark.parametrize("code", VALID)
def test_gb32100_complete_reproduces_both_check_characters(code):
    assert complete(code[:16]) == code


@pytest.mark.parametrize("code", ["", "9135010", "91350100M000100Y4", "91350100M000100Y433"])
def test_gb32100_wrong_length_is_refused(code):
    assert error_code(code) == "length"


def test_gb32100_length_message_tells_the_length():
    with pytest.raises(ValidationError) as excinfo:
        validate_credit_code("91350100M000100Y4")

    with translation.override("en"):
        assert excinfo.value.messages == [str(MESSAGE_LENGTH % {"length": 17})]


@pytest.mark.parametrize("letter", list("IOSVZ"))
def test_gb32100_forbidden_letters_are_refused(letter):
    code = "91350100M000100Y43"
    tampered = code[:9] + letter + code[10:]  # inside the organization code, where letters are allowed

    with pytest.raises(ValidationError) as excinfo:
        validate_credit_code(tampered)

    assert excinfo.value.error_list[0].code == "characters"
    assert f"“{letter}”" in excinfo.value.messages[0]


@pytest.mark.parametrize("code", ["91350100M000100Y4-", "91350100M000100Y4中", "91350100M000100Y4!"])
def test_gb32100_other_characters_are_refused(code):
    assert error_code(code) == "characters"


def test_gb32100_division_code_must_be_digits():
    assert error_code(complete("9135A100M000100Y")) == "division"


@pytest.mark.parametrize("code", ["91350100M000100Y44", "91110000802100433C", "91350100M000100X43"])
def test_gb32100_wrong_check_character_is_refused(code):
    assert error_code(code) == "check"


def test_gb11714_organization_code_check_character_is_verified():
    # The final GB 32100 character is made right for a wrong GB 11714 character: still refused.
    code = VALID[0]
    first17 = code[:16] + ("0" if code[16] != "0" else "1")
    assert error_code(first17 + check_character(first17)) == "check"


@pytest.mark.parametrize("code", ["91350100m000100y43", " 9135 0100 M000 100Y43 ", "91110000802100433b\n"])
def test_gb32100_lower_case_and_spaces_are_normalised(code):
    validate_credit_code(code)
    assert normalize(code) in VALID


# --- properties -------------------------------------------------------------------------------

allowed = st.sampled_from(ALPHABET)
digit = st.sampled_from("0123456789")
sixteen = st.tuples(
    st.text(allowed, min_size=2, max_size=2),
    st.text(digit, min_size=6, max_size=6),
    st.text(allowed, min_size=8, max_size=8),
).map("".join)


@given(sixteen)
def test_gb32100_complete_of_any_sixteen_valid_characters_validates(first16):
    code = complete(first16)

    assert len(code) == 18
    assert code.startswith(first16)
    validate_credit_code(code)


@given(sixteen, st.integers(min_value=0, max_value=17), allowed)
def test_gb32100_any_single_character_change_is_detected(first16, position, replacement):
    code = complete(first16)
    if code[position] == replacement:
        replacement = ALPHABET[(ALPHABET.index(replacement) + 1) % len(ALPHABET)]
    tampered = code[:position] + replacement + code[position + 1 :]

    assert not is_valid(tampered)


# --- the cultivation form (Art. 3 legal entity) -----------------------------------------------


@pytest.fixture
def cultivation_client(login, unit_a, settings):
    client = login(unit_a)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _cultivation_data(code):
    return {
        "board_prepared": "on",
        "board_summary": "理事会由牵头单位和共建单位代表共7人组成。",
        "legal_entity_name": "先进轨道交通技术创新中心（四川）有限公司",
        "legal_entity_credit_code": code,
    }


@pytest.mark.parametrize(
    ("code", "message", "params"),
    [
        ("91350100M000100Y44", MESSAGE_CHECK, {}),
        ("91350100M000100Y4", MESSAGE_LENGTH, {"length": 17}),
        ("91350100M0001O0Y43", MESSAGE_CHARACTERS, {"chars": "O"}),
    ],
)
def test_art3_cultivation_form_refuses_a_malformed_credit_code(
    make_application, cultivation_client, code, message, params
):
    app = make_application("cultivating")

    response = cultivation_client.post(
        reverse("applications:cultivation", args=[app.pk]), _cultivation_data(code)
    )

    assert response.status_code == 400
    with translation.override("en"):
        expected = str(message % params if params else message)
    assert escape(expected) in response.content.decode()
    app = IntentApplication.objects.get(pk=app.pk)
    assert (app.board_prepared, app.legal_entity_name, app.legal_entity_credit_code) == (False, "", "")


def test_art3_cultivation_form_saves_a_valid_code_normalised(make_application, cultivation_client):
    app = make_application("cultivating")

    response = cultivation_client.post(
        reverse("applications:cultivation", args=[app.pk]), _cultivation_data(" 9135 0100 m000 100y43 ")
    )

    assert response.status_code == 302
    app = IntentApplication.objects.get(pk=app.pk)
    assert app.legal_entity_credit_code == "91350100M000100Y43"
    assert app.board_prepared
