"""Login protection: attempts per key (client address, account) counted atomically.

An attempt is *reserved* before the password is checked, with a compare-and-swap on the
key's counter: of 20 parallel guesses only `max_failures` are ever checked. Past that, each
further attempt waits an exponentially growing delay (`delay_seconds` doubled per attempt,
at most `window_seconds`) instead of locking the account outright; a successful login
clears the keys. With an engine the counters live in the console's database (every process
of the console shares them); without one, in this process's memory.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from alerts.db import insert_ignoring_duplicates
from console.tables import login_attempts

_CAS_TRIES = 50


@dataclass
class _State:
    attempts: int = 0
    next_at: float = 0.0


class LoginRateLimiter:
    def __init__(
        self,
        max_failures: int,
        window_seconds: float,
        clock: Callable[[], float] = time.time,
        *,
        delay_seconds: float = 2.0,
        engine: Engine | None = None,
    ) -> None:
        self.max_failures = max_failures
        self.window = window_seconds
        self.delay = delay_seconds
        self.clock = clock
        self.engine = engine
        self._memory: dict[str, _State] = {}
        self._lock = threading.Lock()

    def _delay_after(self, attempts: int) -> float:
        exponent = min(attempts - self.max_failures, 30)
        return float(min(self.window, self.delay * 2**exponent))

    def _next(self, state: _State, now: float) -> _State | float:
        """The key's state after one more attempt, or the seconds it must wait first."""
        if state.attempts >= self.max_failures and now < state.next_at:
            return state.next_at - now
        attempts = state.attempts + 1
        next_at = now + self._delay_after(attempts) if attempts >= self.max_failures else 0.0
        return _State(attempts, next_at)

    def reserve(self, keys: Iterable[str]) -> float:
        """0 when the attempt may be checked now (it is counted); else seconds to wait."""
        wait = 0.0
        for key in keys:
            wait = max(wait, self._reserve(key))
            if wait > 0:
                break
        return wait

    def _reserve(self, key: str) -> float:
        now = self.clock()
        if self.engine is None:
            with self._lock:
                after = self._next(self._memory.get(key, _State()), now)
                if isinstance(after, _State):
                    self._memory[key] = after
                    return 0.0
                return after
        table = login_attempts
        for _ in range(_CAS_TRIES):
            with self.engine.begin() as conn:
                row = conn.execute(
                    sa.select(table.c.attempts, table.c.next_at).where(table.c.key == key)
                ).first()
                if row is None:
                    conn.execute(
                        insert_ignoring_duplicates(self.engine, table).values(
                            key=key, attempts=0, next_at=0.0
                        )
                    )
                    continue
                after = self._next(_State(int(row[0]), float(row[1])), now)
                if not isinstance(after, _State):
                    return after
                # Compare-and-swap: only the request that saw this count may move it on.
                swapped = conn.execute(
                    table.update()
                    .where(table.c.key == key, table.c.attempts == row[0])
                    .values(attempts=after.attempts, next_at=after.next_at)
                ).rowcount
                if swapped == 1:
                    return 0.0
        return self.window  # contention this heavy on one key is an attack in itself

    def retry_after(self, keys: Iterable[str]) -> float:
        """Seconds before a login may be tried for these keys (0: now), counting nothing."""
        now = self.clock()
        wait = 0.0
        for key in keys:
            state = self._state(key)
            if state.attempts >= self.max_failures:
                wait = max(wait, state.next_at - now)
        return wait

    def _state(self, key: str) -> _State:
        if self.engine is None:
            with self._lock:
                return self._memory.get(key, _State())
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(login_attempts.c.attempts, login_attempts.c.next_at).where(
                    login_attempts.c.key == key
                )
            ).first()
        return _State(int(row[0]), float(row[1])) if row else _State()

    def failed(self, keys: Iterable[str]) -> None:
        """Nothing to add: the attempt was counted when it was reserved."""

    def succeeded(self, keys: Iterable[str]) -> None:
        keys = list(keys)
        if self.engine is None:
            with self._lock:
                for key in keys:
                    self._memory.pop(key, None)
            return
        with self.engine.begin() as conn:
            conn.execute(login_attempts.delete().where(login_attempts.c.key.in_(keys)))


def client_address(peer: str, forwarded_for: str, trusted_proxies: Iterable[str]) -> str:
    """The client: the peer, unless it is a trusted proxy; then the nearest untrusted hop."""
    trusted = set(trusted_proxies)
    if peer not in trusted or not forwarded_for:
        return peer
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):  # the proxy appends: the rightmost hops are the nearest
        if hop not in trusted:
            return hop
    return hops[0] if hops else peer
