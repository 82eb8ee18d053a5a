"""The composition root: the one place that chooses the adapters and builds the services.

Every entry point builds one :class:`Station` from the settings it loaded once:
``sarwatch`` (:mod:`sarwatch.cli.main`, in its root callback) and the web app
(:func:`sarwatch.web.app.create_app`, used over the app's ``lifespan``). The
station opens the store named by the settings (an adapter of
:mod:`sarwatch.adapters.store`), loads the signing key, builds the case service and
the drift-run registry, and owns the thread pools of a server. Delivery code (web,
cli) asks the station for a service and never imports an adapter itself (an import
contract in ``pyproject.toml``).

Why here, in ``services/``: the root must sit above the adapters it chooses and the
services it builds, and below the delivery that uses it; in the service layer it is
the one module allowed to name a store adapter (the import contract "services reach
the store only through their ports" lists it as its only exception), while every
other service knows only the ports (:mod:`sarwatch.services.ports`). Only the entry
points (web, cli) import it. At the package top it would sit, for the layer check,
in the core, and every import it makes would point upwards.

Parts are built on first use, once, under a lock, so that a command that only
reads the settings never opens the database, and ``sarwatch --help`` imports no
SQLAlchemy. Nothing happens at import.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from sarwatch.errors import IntegrityError
from sarwatch.settings import Settings

if TYPE_CHECKING:
    from sarwatch.adapters.store import EventBell
    from sarwatch.ledger import Signer
    from sarwatch.services.cases import CaseService
    from sarwatch.services.drift_runs import DriftRuns
    from sarwatch.services.jobs import JobHandler, JobRunner
    from sarwatch.services.ports import CaseRecord, Store
    from sarwatch.services.public_static import Rendered
    from sarwatch.vessels.picture import LivePicture

__all__ = ["DRIFT_WORKERS", "POSTGRES_WRITERS", "Station", "open_station_store"]

#: Drift runs computed at once by a server (the numba kernel releases the GIL).
DRIFT_WORKERS = 2
#: Writer threads of a server on PostgreSQL (one on SQLite and in memory).
POSTGRES_WRITERS = 4


def open_station_store(settings: Settings, *, migrate_schema: bool = True) -> Store:
    """The store ``settings`` name: the default under the home (created on first use), or
    ``SARWATCH_DATABASE_URL``, whose directory must exist (a typo would start a new store).
    ``migrate_schema=False``: another process (``sarwatch serve``) migrated it already.
    """
    from sarwatch.adapters.store import open_store

    return open_store(
        settings.resolved_database_url,
        create_dirs=not settings.database_url,
        migrate_schema=migrate_schema,
    )


def _signer(settings: Settings, store: Store) -> Signer:
    """The station key under the home; refuse to make a new one over signed cases."""
    from sarwatch.ledger import load_or_create_signer
    from sarwatch.ledger.keys import KEY_FILE

    key_path = Path(settings.home_dir) / KEY_FILE
    if not key_path.exists():
        with store.unit_of_work() as uow:
            n_cases = uow.cases.count()
        if n_cases:
            # A new key would make every earlier signature look forged: refuse.
            raise IntegrityError(
                f"the station key {key_path} is missing, but the store holds {n_cases} "
                "case(s) signed with it. Restore the key file from your backup (mode 600). "
                "sarwatch will not create a new key over signed records, because "
                "'ledger verify' could then no longer tell a lost key from forgery."
            )
    return load_or_create_signer(settings.home_dir)


class Station:
    """A running sarwatch: its settings and what is built from them, each part once.

    Parameters
    ----------
    settings
        The configuration, loaded once by the entry point.
    demo
        Load the demo case into an empty store when the case service is built.
    store
        A store to use instead of the one the settings name (tests); the station
        then leaves closing it to the caller.
    checked
        The start-up checks ran in another process (a worker of ``sarwatch serve
        --workers N``): open the store without migrating it.

    Notes
    -----
    :meth:`close` ends what the station started: it lets queued writes and drift
    runs finish, stops their threads, and closes the store it opened.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        demo: bool = False,
        store: Store | None = None,
        checked: bool = False,
    ):
        self.settings = settings
        self.demo = demo
        self.checked = checked
        self._jobs: JobRunner | None = None
        self._event_bell: EventBell | None = None
        self._job_handlers: dict[str, JobHandler] = {}
        self._lock = threading.RLock()
        self._store = store
        self._owns_store = store is None
        self._cases: CaseService | None = None
        self._drift_runs: DriftRuns | None = None
        self._drift_pool: ThreadPoolExecutor | None = None
        self._writer_pool: ThreadPoolExecutor | None = None
        self._vessels: LivePicture | None = None
        self._public_ids: frozenset[str] | None = None  # case ids of the last public render

    @property
    def store(self) -> Store:
        """The case store (opened, and migrated, on first use)."""
        with self._lock:
            if self._store is None:
                self._store = open_station_store(self.settings, migrate_schema=not self.checked)
            return self._store

    @property
    def cases(self) -> CaseService:
        """The case service (the signing key loaded, the demo case recorded if asked)."""
        with self._lock:
            if self._cases is None:
                from sarwatch.services.cases import CaseService

                store = self.store
                service = CaseService(
                    store=store,
                    signer=_signer(self.settings, store),
                    cache_dir=Path(self.settings.cache_dir),
                    key_home=Path(self.settings.home_dir),  # a rotation beside it is seen
                )
                if self.demo:
                    from sarwatch.services.demo import load_demo

                    load_demo(service)
                service.after_commit = self._render_public
                self._cases = service
            return self._cases

    @cases.setter
    def cases(self, service: CaseService) -> None:
        """Use another case service (tests: a fixed clock, no land check)."""
        with self._lock:
            service.after_commit = self._render_public
            self._cases = service

    def render_public(self) -> Rendered:
        """Render the public feed to ``<home_dir>/public`` now."""
        from datetime import UTC, datetime

        from sarwatch.services.public_feed import PublicPolicy
        from sarwatch.services.public_static import public_dir, render_public

        policy = PublicPolicy(self.settings.public_delay_h, self.settings.public_round_deg)
        rendered = render_public(
            self.store, policy, datetime.now(UTC), public_dir(self.settings.home_dir)
        )
        self._public_ids = rendered.case_ids
        return rendered

    def _render_public(self, record: CaseRecord) -> None:
        """After a case write commits: re-render the public files (a failure is logged).

        Skipped when the write cannot change the feed: a case that is not closed was
        just updated (so it is not aged into the feed) and was not in the last render.
        """
        from sarwatch.services.public_static import render_quietly

        known = self._public_ids
        if known is not None and record.status != "closed" and record.case_id not in known:
            return
        render_quietly(self.render_public)

    @property
    def drift_runs(self) -> DriftRuns:
        """The registry of drift runs under ``<home_dir>/runs``."""
        with self._lock:
            if self._drift_runs is None:
                from sarwatch.services.drift_runs import DriftRuns

                home = Path(self.settings.home_dir)
                self._drift_runs = DriftRuns(home / "runs", jobs=self.store.jobs)
            return self._drift_runs

    def add_job_handler(self, kind: str, handler: JobHandler) -> None:
        """Say how this station's job runner runs jobs of ``kind`` (before it starts)."""
        with self._lock:
            self._job_handlers[kind] = handler

    @property
    def jobs(self) -> JobRunner:
        """This process's job runner: claims, runs and heartbeats the store's jobs."""
        with self._lock:
            if self._jobs is None:
                from sarwatch.services.jobs import JobRunner

                self._jobs = JobRunner(
                    self.store.jobs,
                    self._job_handlers,
                    pool=self.drift_pool,
                    capacity=DRIFT_WORKERS,
                    stale_s=self.settings.job_stale_s,
                    max_attempts=self.settings.job_max_attempts,
                )
            return self._jobs

    @property
    def event_bell(self) -> EventBell:
        """What the event feed waits on between reads (PostgreSQL: woken by NOTIFY)."""
        with self._lock:
            if self._event_bell is None:
                from sarwatch.adapters.store import EventBell

                self._event_bell = EventBell(self.store.url)
            return self._event_bell

    @property
    def vessels(self) -> LivePicture:
        """The live AIS picture this station reads (last state per vessel, recent tracks)."""
        with self._lock:
            if self._vessels is None:
                from sarwatch.services.ais_ingest import open_live_picture

                # Read from the live file that `sarwatch ais ingest` writes (another process).
                self._vessels = open_live_picture(self.settings)
            return self._vessels

    @property
    def drift_pool(self) -> ThreadPoolExecutor:
        """The threads that compute a server's drift runs."""
        with self._lock:
            if self._drift_pool is None:
                self._drift_pool = ThreadPoolExecutor(
                    max_workers=DRIFT_WORKERS, thread_name_prefix="drift"
                )
            return self._drift_pool

    @property
    def writer_pool(self) -> ThreadPoolExecutor:
        """The threads that run a server's case writes, in order (one on SQLite)."""
        with self._lock:
            if self._writer_pool is None:
                postgres = self.store.dialect == "postgresql"
                self._writer_pool = ThreadPoolExecutor(
                    max_workers=POSTGRES_WRITERS if postgres else 1,
                    thread_name_prefix="sarwatch-writer",
                )
            return self._writer_pool

    def start(self) -> None:
        """Build the case service now (a server's start-up), not on the first request;
        start the job runner when a job handler is known (a server)."""
        _ = self.cases
        if self._job_handlers:
            self.jobs.start()

    def shutdown_writers(self) -> None:
        """Let the queued writes finish, then stop the writer threads."""
        with self._lock:
            pool, self._writer_pool = self._writer_pool, None
        if pool is not None:
            pool.shutdown(wait=True)

    def close(self) -> None:
        """Let queued writes and running drift runs finish, stop their threads, close the store."""
        with self._lock:
            runner = self._jobs
        if runner is not None:  # claims no more; its jobs under way finish (beating)
            runner.stop()
        with self._lock:
            bell, self._event_bell = self._event_bell, None
        if bell is not None:
            bell.close()
        self.shutdown_writers()
        with self._lock:
            pool, self._drift_pool = self._drift_pool, None
        if pool is not None:  # runs under way finish; queued jobs wait in the store
            pool.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            store = self._store if self._owns_store else None
        if store is not None:
            store.close()
