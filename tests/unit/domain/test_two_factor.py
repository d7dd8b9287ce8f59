"""TOTP arithmetic against RFC 6238's own test vectors, the drift window, replay, and the sealed secret."""
from datetime import datetime, timedelta, timezone

import pytest

from app.domain.secret_sealing import SealError, keyed_digest, seal, unseal
from app.domain.two_factor import (code_at_step, grouped_for_typing, looks_like_recovery_code, matching_step,
                                   new_recovery_codes, new_secret, normalise_code, provisioning_uri, time_step)

# RFC 6238 appendix B: the SHA-1 seed "12345678901234567890" (here in base32) and its 8-digit codes;
# a 6-digit code is the last six digits of the same truncated value.
RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
RFC_VECTORS = [(59, "94287082"), (1111111109, "07081804"), (1111111111, "14050471"),
               (1234567890, "89005924"), (2000000000, "69279037"), (20000000000, "65353130")]


def _at(unix: int) -> datetime:
    return datetime.fromtimestamp(unix, tz=timezone.utc)


@pytest.mark.parametrize(("unix", "eight_digits"), RFC_VECTORS)
def test_codes_are_rfc_6238_codes(unix, eight_digits):
    assert code_at_step(RFC_SECRET, time_step(_at(unix))) == eight_digits[-6:]
    assert matching_step(RFC_SECRET, eight_digits[-6:], _at(unix), None) == unix // 30


def test_one_step_of_drift_either_way_is_accepted_and_two_are_not():
    now = _at(1_700_000_000)
    step = time_step(now)
    for offset in (-1, 0, 1):
        assert matching_step(RFC_SECRET, code_at_step(RFC_SECRET, step + offset), now, None) == step + offset
    for offset in (-2, 2):
        assert matching_step(RFC_SECRET, code_at_step(RFC_SECRET, step + offset), now, None) is None


def test_a_step_already_used_or_older_is_refused():
    now = _at(1_700_000_000)
    step = time_step(now)
    code = code_at_step(RFC_SECRET, step)
    assert matching_step(RFC_SECRET, code, now, step) is None          # the same code again: replay
    assert matching_step(RFC_SECRET, code, now, step + 1) is None      # older than one already used
    assert matching_step(RFC_SECRET, code, now, step - 1) == step      # a later code after an older one


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "abcdef", "12 34 5x"])
def test_malformed_codes_match_nothing(typed):
    assert matching_step(RFC_SECRET, typed, _at(59), None) is None


def test_spaces_and_dashes_people_type_are_ignored():
    assert normalise_code(" 287 082 ") == "287082"
    assert matching_step(RFC_SECRET, "287-082", _at(59), None) == 1


def test_a_naive_time_is_refused():
    with pytest.raises(ValueError):
        time_step(datetime(2026, 12, 1, 10, 0))


def test_new_secrets_are_160_bit_base32_and_grouped_for_typing():
    secret = new_secret()
    assert len(secret) == 32 and set(secret) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    assert secret != new_secret()
    grouped = grouped_for_typing(secret)
    assert grouped.replace(" ", "") == secret and all(len(group) == 4 for group in grouped.split(" "))


def test_the_provisioning_uri_names_issuer_account_and_secret():
    uri = provisioning_uri(RFC_SECRET, account="manager@example.com", issuer="Outfall")
    assert uri.startswith("otpauth://totp/Outfall:manager%40example.com?")
    assert f"secret={RFC_SECRET}" in uri and "issuer=Outfall" in uri


def test_recovery_codes_are_ten_distinct_readable_codes():
    codes = new_recovery_codes()
    assert len(codes) == len(set(codes)) == 10
    for code in codes:
        assert len(code) == 11 and code[5] == "-"
        assert looks_like_recovery_code(code) and looks_like_recovery_code(code.lower().replace("-", " "))
        assert not set(code) & set("IO0189")
    assert not looks_like_recovery_code("287082")


def test_a_sealed_secret_opens_only_with_the_same_secret_key():
    sealed = seal(RFC_SECRET, "key-one")
    assert RFC_SECRET not in sealed
    assert sealed != seal(RFC_SECRET, "key-one")  # a fresh IV each time
    assert unseal(sealed, "key-one") == RFC_SECRET
    with pytest.raises(SealError):
        unseal(sealed, "key-two")
    with pytest.raises(SealError):
        unseal(sealed[:-4] + "AAAA", "key-one")  # altered


def test_keyed_digests_depend_on_the_key_and_the_purpose():
    digest = keyed_digest("ABCDE-FGHJK", "key-one", "recovery-code")
    assert digest == keyed_digest("ABCDE-FGHJK", "key-one", "recovery-code")
    assert digest != keyed_digest("ABCDE-FGHJK", "key-two", "recovery-code")
    assert digest != keyed_digest("ABCDE-FGHJK", "key-one", "other")
    assert "ABCDE" not in digest


def test_the_step_is_the_thirty_second_counter():
    start = _at(1_700_000_010)  # 30 * 56_666_667: the first second of a step
    assert time_step(start) == time_step(start + timedelta(seconds=29)) == 56_666_667
    assert time_step(start + timedelta(seconds=30)) == time_step(start - timedelta(seconds=1)) + 2
