"""Token check benchmark: what a token lookup in the store costs a request, against a hit
of the per-process token cache (``web.auth``), side by side in one process.

Run ``python benchmarks/bench_auth.py`` (default 2,000 checks of each kind) or with
``--full`` (20,000). Measures CPU seconds (``time.process_time``), not wall time: the
figures hold on a busy machine. Writes ``benchmarks/results/auth.json``.

* lookup: ``services.users.authenticate`` on a SQLite store holding ``--users`` users
  (one unit of work, one indexed ``SELECT`` by token hash, the expiry check).
* cache hit: ``web.auth.current_user`` for a token verified a moment before.
* The cache keeps a verified token for ``TOKEN_CACHE_S`` seconds, so a busy token costs
  one lookup per ``TOKEN_CACHE_S`` per server process, whatever its request rate: the
  figure ``lookups_cpu_ms_per_s_per_100_tokens`` is what 100 tokens in constant use
  cost one process, in CPU milliseconds per second.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "auth.json"


def _cpu_per_call_us(fn, n: int) -> float:  # type: ignore[no-untyped-def]
    fn()  # warm
    start = time.process_time()
    for _ in range(n):
        fn()
    return (time.process_time() - start) / n * 1e6


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="20,000 checks of each kind")
    parser.add_argument("--users", type=int, default=200, help="users in the store")
    args = parser.parse_args(argv)
    n = 20_000 if args.full else 2_000

    from fastapi import FastAPI, Request
    from fastapi.security import HTTPAuthorizationCredentials

    from sarwatch.adapters.store import SqlStore
    from sarwatch.services.users import add_user, authenticate
    from sarwatch.web import auth

    with tempfile.TemporaryDirectory() as tmp:
        store = SqlStore(f"sqlite:///{Path(tmp) / 'auth.db'}")
        tokens = [add_user(store, f"user{i}", "observer")[1] for i in range(args.users)]
        token = tokens[len(tokens) // 2]
        lookup_us = _cpu_per_call_us(lambda: authenticate(store, token), n)

        request = Request({"type": "http", "app": FastAPI(), "headers": []})
        credentials = HTTPAuthorizationCredentials(scheme="Bearer", credentials=token)

        def hit() -> None:  # the coroutine never waits: run it without an event loop
            with contextlib.suppress(StopIteration):
                auth.current_user(request, credentials, store).send(None)

        hit_us = _cpu_per_call_us(hit, n)
        store.close()
    result: dict[str, object] = {
        "checks": n,
        "users": args.users,
        "lookup_cpu_us": round(lookup_us, 1),
        "cache_hit_cpu_us": round(hit_us, 1),
        "lookup_over_hit": round(lookup_us / hit_us, 1) if hit_us else None,
        "token_cache_s": auth.TOKEN_CACHE_S,
        "lookups_cpu_ms_per_s_per_100_tokens": round(100 / auth.TOKEN_CACHE_S * lookup_us / 1e3, 2),
        "loadavg": [round(x, 2) for x in os.getloadavg()],
        "python": sys.version.split()[0],
        "machine": platform.machine(),
    }
    print(json.dumps(result, indent=2))
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    main()
