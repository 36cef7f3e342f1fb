"""Tokens, credits and scopes: who may call the engine and what they have left to spend.

Anonymous identities follow the cloud's rules: one token per client id while it is valid (HTTP
429 when asked again), the same user and remaining credits for that client id after expiry, and
an optional cap on new tokens per IP per hour. Registered tokens come from settings and never
expire.
"""

from __future__ import annotations

import secrets
from collections import deque
from dataclasses import dataclass, field, replace

from engine.clock import Clock
from engine.errors import HttpRefusal, rate_limited, token_invalid

SCOPES = frozenset({"read", "write", "upload", "render"})
_HOUR = 3600.0


@dataclass
class Account:
    """One user: a balance, what is frozen by work in progress, and the scopes of its token."""

    user_id: str
    available: int
    scopes: frozenset[str] = SCOPES
    frozen: int = 0
    client_id: str | None = None

    @property
    def total(self) -> int:
        return self.available + self.frozen

    def freeze(self, amount: int) -> None:
        self.available -= amount
        self.frozen += amount

    def charge(self, amount: int) -> None:
        """Spend what `freeze` reserved."""
        self.frozen -= amount

    def release(self, amount: int) -> None:
        """Give back what `freeze` reserved, for work that never happened."""
        self.frozen -= amount
        self.available += amount


@dataclass(frozen=True)
class Grant:
    """A token and what it opens."""

    token: str
    account: Account
    expires_at: float | None  # None: registered, never expires


@dataclass
class _IpWindow:
    issued: deque[float] = field(default_factory=deque)


def parse_registered(spec: str) -> list[tuple[str, int, frozenset[str]]]:
    """Read ``"tok=credits[:scope+scope],..."``; scopes default to all of them."""
    entries = []
    for item in filter(None, (part.strip() for part in spec.split(","))):
        token, _, rest = item.partition("=")
        credits_text, _, scope_text = rest.partition(":")
        scopes = frozenset(filter(None, scope_text.split("+"))) if scope_text else SCOPES
        unknown = scopes - SCOPES
        if not token or not credits_text.strip().isdigit() or unknown:
            raise ValueError(f"bad registered token entry (scopes: {sorted(SCOPES)})")
        entries.append((token.strip(), int(credits_text), scopes))
    return entries


class Accounts:
    """Issues and checks tokens; holds every account's credits."""

    def __init__(
        self,
        clock: Clock,
        *,
        anonymous_credits: int,
        token_ttl_s: float,
        tokens_per_ip_per_hour: int,
        registered: str = "",
    ) -> None:
        self._clock = clock
        self._credits = anonymous_credits
        self._ttl = token_ttl_s
        self._per_ip = tokens_per_ip_per_hour
        self._grants: dict[str, Grant] = {}
        self._by_client: dict[str, Grant] = {}
        self._ips: dict[str, _IpWindow] = {}
        for number, (token, credits, scopes) in enumerate(parse_registered(registered), 1):
            account = Account(user_id=f"user_{number}", available=credits, scopes=scopes)
            self._grants[token] = Grant(token, account, None)

    def issue_anonymous(self, client_id: str, ip: str) -> Grant:
        """A new anonymous token for `client_id`, or HTTP 429 under the cloud's limits."""
        now = self._clock.now()
        previous = self._by_client.get(client_id)
        if previous is not None and not self._expired(previous, now):
            raise rate_limited("one anonymous token per client id while it is valid")
        self._check_ip(ip, now)
        if previous is None:
            account = Account(
                user_id=f"anon_{secrets.token_hex(8)}",
                available=self._credits,
                client_id=client_id,
            )
        else:
            account = previous.account
            self._grants.pop(previous.token, None)
        grant = Grant(f"nmv_usr_{secrets.token_urlsafe(24)}", account, now + self._ttl)
        self._grants[grant.token] = grant
        self._by_client[client_id] = grant
        return grant

    def revoke(self, token: str) -> None:
        """The token stops working now; its client id may ask for a new one."""
        grant = self._grants.get(token)
        if grant is not None and grant.expires_at is not None:
            self._grants[token] = replace(grant, expires_at=self._clock.now())
            client_id = grant.account.client_id
            if client_id and self._by_client.get(client_id) is grant:
                self._by_client[client_id] = self._grants[token]

    def authenticate(self, authorization: str | None, scope: str) -> Account:
        """The account behind ``Authorization: Bearer``: 1001 if unknown/expired, 403 on scope."""
        scheme, _, token = (authorization or "").partition(" ")
        grant = self._grants.get(token.strip()) if scheme.lower() == "bearer" else None
        if grant is None or self._expired(grant, self._clock.now()):
            raise token_invalid()
        if scope not in grant.account.scopes:
            raise HttpRefusal(403, f"token lacks the '{scope}' scope")
        return grant.account

    def _expired(self, grant: Grant, now: float) -> bool:
        return grant.expires_at is not None and now >= grant.expires_at

    def _check_ip(self, ip: str, now: float) -> None:
        if self._per_ip <= 0:
            return
        window = self._ips.setdefault(ip, _IpWindow())
        while window.issued and window.issued[0] <= now - _HOUR:
            window.issued.popleft()
        if len(window.issued) >= self._per_ip:
            raise rate_limited(f"at most {self._per_ip} anonymous tokens per IP per hour")
        window.issued.append(now)
