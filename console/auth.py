"""Accounts, roles, login sessions and API tokens (the alert store has no passwords).

Passwords are argon2id hashes. Session cookies and API tokens are random secrets of which
only the SHA-256 is stored, so a copy of the database opens no session.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Engine

from console.tables import accounts, api_tokens, sessions

Role = Literal["admin", "staff", "rights_holder"]
ROLES: tuple[Role, ...] = ("admin", "staff", "rights_holder")
STAFF_ROLES = frozenset({"admin", "staff"})
TOKEN_PREFIX = "mwt_"
MIN_PASSWORD_LENGTH = 10


class AuthError(ValueError):
    """A bad account operation (unknown role, weak password, duplicate name)."""


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking: the subject of every authorisation decision."""

    username: str
    role: Role
    display_name: str = ""
    organisation: str = ""

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def owner_name(self) -> str:
        """The watchlist owner this user acts for: their organisation, else themselves."""
        return self.organisation or self.username


@dataclass(frozen=True, slots=True)
class Session:
    principal: Principal
    csrf_token: str


@dataclass(frozen=True, slots=True)
class ApiToken:
    id: int
    username: str
    label: str
    created_at: datetime
    last_used_at: datetime | None


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class AuthStore:
    def __init__(
        self,
        engine: Engine,
        *,
        session_hours: float = 12.0,
        clock: Callable[[], datetime] = _utcnow,
        hasher: PasswordHasher | None = None,
    ) -> None:
        self.engine = engine
        self.session_ttl = timedelta(hours=session_hours)
        self.clock = clock
        self.hasher = hasher or PasswordHasher()
        # Verified against when the user does not exist, so both paths cost one argon2 run.
        self._dummy_hash = self.hasher.hash(secrets.token_hex(16))

    # -- accounts ------------------------------------------------------------------
    def create_user(
        self,
        username: str,
        password: str,
        role: str,
        *,
        display_name: str = "",
        organisation: str = "",
    ) -> Principal:
        username = username.strip()
        if not username:
            raise AuthError("a user needs a name")
        self._check_role(role)
        self._check_password(password)
        with self.engine.begin() as conn:
            if conn.execute(
                sa.select(accounts.c.username).where(accounts.c.username == username)
            ).first():
                raise AuthError(f"user {username!r} exists")
            conn.execute(
                accounts.insert().values(
                    username=username,
                    password_hash=self.hasher.hash(password),
                    role=role,
                    display_name=display_name,
                    organisation=organisation,
                    active=True,
                    created_at=self.clock(),
                )
            )
        return Principal(username, role, display_name, organisation)  # type: ignore[arg-type]

    def update_user(
        self,
        username: str,
        *,
        role: str | None = None,
        organisation: str | None = None,
        active: bool | None = None,
        password: str | None = None,
    ) -> None:
        values: dict[str, object] = {}
        if role is not None:
            self._check_role(role)
            values["role"] = role
        if organisation is not None:
            values["organisation"] = organisation
        if active is not None:
            values["active"] = active
        if password is not None:
            self._check_password(password)
            values["password_hash"] = self.hasher.hash(password)
        if not values:
            return
        with self.engine.begin() as conn:
            done = conn.execute(
                accounts.update().where(accounts.c.username == username).values(**values)
            ).rowcount
            if not done:
                raise AuthError(f"no user {username!r}")
            if active is False or role is not None or password is not None:
                # A demoted, disabled or re-keyed account loses its open sessions and its
                # API tokens: re-enabling the account must not bring an old token back.
                conn.execute(sessions.delete().where(sessions.c.username == username))
                conn.execute(
                    api_tokens.update()
                    .where(api_tokens.c.username == username)
                    .values(revoked=True)
                )

    def users(self) -> list[tuple[Principal, bool]]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(accounts).order_by(accounts.c.username)).mappings()
            return [(_principal(r), bool(r["active"])) for r in rows]

    def user(self, username: str) -> Principal | None:
        with self.engine.connect() as conn:
            row = (
                conn.execute(
                    sa.select(accounts).where(
                        accounts.c.username == username, accounts.c.active == sa.true()
                    )
                )
                .mappings()
                .first()
            )
        return _principal(row) if row else None

    def authenticate(self, username: str, password: str) -> Principal | None:
        with self.engine.connect() as conn:
            row = (
                conn.execute(sa.select(accounts).where(accounts.c.username == username.strip()))
                .mappings()
                .first()
            )
        stored = row["password_hash"] if row else self._dummy_hash
        try:
            self.hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None or not row["active"]:
            return None
        if self.hasher.check_needs_rehash(stored):
            with self.engine.begin() as conn:
                conn.execute(
                    accounts.update()
                    .where(accounts.c.username == row["username"])
                    .values(password_hash=self.hasher.hash(password))
                )
        return _principal(row)

    # -- sessions ------------------------------------------------------------------
    def open_session(self, principal: Principal) -> tuple[str, Session]:
        """A new session; returns the cookie value (shown once) and the session."""
        cookie = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        now = self.clock()
        with self.engine.begin() as conn:
            conn.execute(sessions.delete().where(sessions.c.expires_at < now))
            conn.execute(
                sessions.insert().values(
                    token_hash=_digest(cookie),
                    username=principal.username,
                    csrf_token=csrf,
                    expires_at=now + self.session_ttl,
                )
            )
        return cookie, Session(principal, csrf)

    def session(self, cookie: str) -> Session | None:
        if not cookie:
            return None
        with self.engine.connect() as conn:
            row = (
                conn.execute(sa.select(sessions).where(sessions.c.token_hash == _digest(cookie)))
                .mappings()
                .first()
            )
        if row is None or row["expires_at"] < self.clock():
            return None
        principal = self.user(row["username"])
        return Session(principal, row["csrf_token"]) if principal else None

    def close_session(self, cookie: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(sessions.delete().where(sessions.c.token_hash == _digest(cookie)))

    # -- API tokens ----------------------------------------------------------------
    def issue_token(self, username: str, label: str = "") -> str:
        if self.user(username) is None:
            raise AuthError(f"no active user {username!r}")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self.engine.begin() as conn:
            conn.execute(
                api_tokens.insert().values(
                    token_hash=_digest(token),
                    username=username,
                    label=label,
                    created_at=self.clock(),
                    revoked=False,
                )
            )
        return token

    def token_principal(self, token: str) -> Principal | None:
        if not token.startswith(TOKEN_PREFIX):
            return None
        with self.engine.begin() as conn:
            row = (
                conn.execute(
                    sa.select(api_tokens).where(
                        api_tokens.c.token_hash == _digest(token),
                        api_tokens.c.revoked == sa.false(),
                    )
                )
                .mappings()
                .first()
            )
            if row is None:
                return None
            conn.execute(
                api_tokens.update()
                .where(api_tokens.c.id == row["id"])
                .values(last_used_at=self.clock())
            )
        return self.user(row["username"])

    def tokens(self, username: str | None = None) -> list[ApiToken]:
        query = sa.select(api_tokens).where(api_tokens.c.revoked == sa.false())
        if username is not None:
            query = query.where(api_tokens.c.username == username)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(api_tokens.c.id)).mappings()
            return [
                ApiToken(r["id"], r["username"], r["label"], r["created_at"], r["last_used_at"])
                for r in rows
            ]

    def revoke_token(self, token_id: int) -> bool:
        with self.engine.begin() as conn:
            return bool(
                conn.execute(
                    api_tokens.update().where(api_tokens.c.id == token_id).values(revoked=True)
                ).rowcount
            )

    @staticmethod
    def _check_role(role: str) -> None:
        if role not in ROLES:
            raise AuthError(f"role must be one of {', '.join(ROLES)}, not {role!r}")

    @staticmethod
    def _check_password(password: str) -> None:
        if len(password) < MIN_PASSWORD_LENGTH:
            raise AuthError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")


def _principal(row: sa.RowMapping) -> Principal:
    return Principal(row["username"], row["role"], row["display_name"], row["organisation"])
