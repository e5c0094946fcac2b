"""Rotating codes, grace, expiry, tickets and personal codes, with frozen time."""
from datetime import datetime, timedelta, timezone

from lms.attendance import codes
from lms.attendance.codes import CheckinSettings, CodeCheck

KEY = "test-secret-key-that-is-long-enough-0123456789"
SETTINGS = CheckinSettings(step_seconds=30, grace=timedelta(seconds=10))
T0 = datetime(2030, 1, 8, 16, 59, 0, tzinfo=timezone.utc)  # the start of a 30-second step


def code_at(moment, session_id=1):
    return codes.code_for(codes.session_secret(KEY, session_id), codes.time_step(moment, 30))


def check(code, moment, session_id=1):
    return codes.check_code(codes.session_secret(KEY, session_id), code, moment, SETTINGS)


def test_codes_are_six_digits_and_rotate_every_step():
    first, same, next_ = code_at(T0), code_at(T0 + timedelta(seconds=29)), code_at(T0 + timedelta(seconds=30))
    assert len(first) == 6 and first.isdigit()
    assert first == same and first != next_


def test_codes_differ_per_session_and_per_secret_key():
    assert code_at(T0, 1) != code_at(T0, 2)
    other = codes.code_for(codes.session_secret("another-key" * 4, 1), codes.time_step(T0, 30))
    assert other != code_at(T0, 1)


def test_a_code_works_in_its_step_and_a_short_grace_then_never_again():
    code = code_at(T0)
    assert check(code, T0) == CodeCheck.VALID
    assert check(code, T0 + timedelta(seconds=29)) == CodeCheck.VALID
    assert check(code, T0 + timedelta(seconds=39)) == CodeCheck.VALID  # grace after rotating
    assert check(code, T0 + timedelta(seconds=40)) == CodeCheck.EXPIRED
    assert check(code, T0 + timedelta(minutes=5)) == CodeCheck.EXPIRED
    assert check(code, T0 + timedelta(hours=2)) == CodeCheck.UNKNOWN  # too old even to recognise


def test_a_future_or_wrong_code_is_not_accepted():
    assert check(code_at(T0 + timedelta(seconds=30)), T0) == CodeCheck.UNKNOWN
    assert check("000000" if code_at(T0) != "000000" else "111111", T0) == CodeCheck.UNKNOWN
    assert check("12345", T0) == CodeCheck.UNKNOWN


def test_typed_codes_may_have_spaces_or_dashes():
    code = code_at(T0)
    assert check(f"{code[:3]} {code[3:]}", T0) == CodeCheck.VALID
    assert check(f"{code[:3]}-{code[3:]}", T0) == CodeCheck.VALID


def test_a_ticket_carries_a_scan_through_the_log_in_for_a_few_minutes():
    settings = CheckinSettings(ticket_lifetime=timedelta(minutes=5))
    ticket = codes.make_ticket(KEY, 42, T0)
    assert codes.read_ticket(KEY, ticket, T0 + timedelta(minutes=4), settings) == (42, True)
    assert codes.read_ticket(KEY, ticket, T0 + timedelta(minutes=5), settings) == (42, False)
    forged = ticket.replace("42-", "43-", 1)
    assert codes.read_ticket(KEY, forged, T0, settings) is None
    assert codes.read_ticket(KEY, "garbage", T0, settings) is None


def test_personal_codes_name_their_owner_and_cannot_be_forged():
    code = codes.personal_code(KEY, 7)
    assert codes.read_personal_code(KEY, code) == 7
    assert codes.read_personal_code(KEY, f"http://center.example/attendance/personal/{code}") == 7
    assert codes.read_personal_code(KEY, code.replace("7-", "8-", 1)) is None
    assert codes.read_personal_code(KEY, "nonsense") is None
