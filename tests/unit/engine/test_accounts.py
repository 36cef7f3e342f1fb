"""Token and credit rules on a frozen clock: no server, no I/O."""

from __future__ import annotations

import pytest

from engine.clock import SettableClock
from engine.errors import ApiError, HttpRefusal
from engine.state.accounts import Accounts, parse_registered

WEEK = 7 * 24 * 3600


def _accounts(clock: SettableClock, per_ip: int = 0, registered: str = "") -> Accounts:
    return Accounts(
        clock,
        anonymous_credits=100,
        token_ttl_s=WEEK,
        tokens_per_ip_per_hour=per_ip,
        registered=registered,
    )


def test_renewal_after_expiry_keeps_the_user_and_its_credits() -> None:
    clock = SettableClock(start=1_000_000.0)
    accounts = _accounts(clock)
    first = accounts.issue_anonymous("client", "ip")
    first.account.freeze(30)
    first.account.charge(30)

    with pytest.raises(HttpRefusal) as refused:
        accounts.issue_anonymous("client", "ip")
    clock.advance(WEEK)
    with pytest.raises(ApiError) as expired:
        accounts.authenticate(f"Bearer {first.token}", "read")
    second = accounts.issue_anonymous("client", "ip")

    assert refused.value.status == 429 and refused.value.retry_after == 30
    assert expired.value.code == 1001
    assert second.account is first.account and second.account.available == 70
    assert second.expires_at == clock.now() + WEEK


def test_ip_window_slides_over_an_hour() -> None:
    clock = SettableClock(start=0.0)
    accounts = _accounts(clock, per_ip=2)
    accounts.issue_anonymous("a", "1.2.3.4")
    clock.advance(1800)
    accounts.issue_anonymous("b", "1.2.3.4")
    accounts.issue_anonymous("c", "5.6.7.8")  # another IP has its own window

    with pytest.raises(HttpRefusal):
        accounts.issue_anonymous("d", "1.2.3.4")
    clock.advance(1801)
    accounts.issue_anonymous("d", "1.2.3.4")  # the first one has left the window


def test_credits_freeze_charge_release() -> None:
    account = _accounts(SettableClock(0.0)).issue_anonymous("x", "ip").account

    account.freeze(5)
    assert (account.available, account.frozen, account.total) == (95, 5, 100)
    account.charge(5)
    assert (account.available, account.frozen, account.total) == (95, 0, 95)
    account.freeze(5)
    account.release(5)
    assert (account.available, account.frozen, account.total) == (95, 0, 95)


def test_registered_tokens() -> None:
    assert parse_registered("a=10, b=5:read+render") == [
        ("a", 10, frozenset({"read", "write", "upload", "render"})),
        ("b", 5, frozenset({"read", "render"})),
    ]
    for bad in ("a", "a=x", "a=1:fly"):
        with pytest.raises(ValueError, match="registered token"):
            parse_registered(bad)
    clock = SettableClock(0.0)
    accounts = _accounts(clock, registered="tok=7:read")
    clock.advance(10 * WEEK)  # registered tokens never expire
    assert accounts.authenticate("Bearer tok", "read").available == 7
    with pytest.raises(HttpRefusal, match="'upload'"):
        accounts.authenticate("bearer tok", "upload")
