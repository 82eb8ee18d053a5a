"""Configuration, built once at the entry point and passed down.

Every field can be set from the environment with the ``SARWATCH_`` prefix,
e.g. ``SARWATCH_DATABASE_URL=postgresql+psycopg://...``. Nothing here runs at
import: call :func:`load_settings` (the CLI and the web app factory do).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from sarwatch.errors import InputError

__all__ = ["Settings", "load_settings"]


def _default_home() -> Path:
    return Path.home() / ".local" / "share" / "sarwatch"


def _default_cache() -> Path:
    return Path.home() / ".cache" / "sarwatch"


class Settings(BaseSettings):
    """sarwatch configuration.

    Attributes
    ----------
    home_dir
        Where the station keeps its state: the SQLite store, the signing key,
        drift run outputs. Default ``~/.local/share/sarwatch``.
    cache_dir
        Derived data that can be rebuilt (the clipped coastline, masks).
        Default ``~/.cache/sarwatch``.
    database_url
        SQLAlchemy URL. Default: SQLite file ``<home_dir>/sarwatch.db``.
    host, port
        Where ``sarwatch serve`` listens.
    pos_policy_file
        Optional user file overriding the packaged place-of-safety policy.
    public_delay_h, public_round_deg
        Public-feed redaction policy: cases appear only once closed or older
        than ``public_delay_h`` hours, positions rounded to ``public_round_deg``.
    aisstream_api_key
        The user's own aisstream.io API key for ``sarwatch ais ingest wss://...``
        (``SARWATCH_AISSTREAM_API_KEY``); kept secret: never printed or logged.
    sqlite_synchronous
        SQLite's ``synchronous`` for the station's SQLite store: ``full`` (default: every
        commit fsynced, an acknowledged write survives a power cut) or ``normal``
        (faster, fsync at checkpoints only: survives any process crash, but a power cut
        may lose the last acknowledged writes). A ``?synchronous=`` in
        ``database_url`` wins.
    allowed_hosts
        More host names the web service answers to, comma separated
        (``sarwatch.ship.lan,*.ngo.example``; ``*`` for any). It always answers to
        ``localhost``, ``127.0.0.1``, ``[::1]``, ``host`` and the address a connection
        reached; any other ``Host`` is refused with 400 (DNS rebinding).
    max_body_bytes
        Largest HTTP request body the web service accepts, bytes (default 1 MiB);
        larger ones are refused with 413. What a case write carries stays in the
        append-only ledger for good.
    media_max_bytes
        Largest media file (photo, audio, video, document) a streamed upload or
        ``sarwatch media add`` accepts, bytes (default 2 GiB); kept outside the
        database under ``<home_dir>/media``.
    token_expires_days
        Days an API token works from when it is issued (``sarwatch user add`` or
        ``renew``; default 90), unless ``--expires-days`` says otherwise; ``0`` (or
        ``never``): tokens never expire (explicitly: a leaked or forgotten token then
        works for good).
    witness_trust
        Which stations' checkpoints this station keeps as a witness: ``allow-list``
        (default: only those whose key its operator trusted, with ``sarwatch witness
        trust FINGERPRINT`` or in ``witness_keys``) or ``first-use`` (any station's key,
        pinned the first time it is seen: anyone may make the witness keep checkpoints).
    witness_keys
        SHA-256 fingerprints (64 hex, comma separated) of station keys this witness
        trusts by configuration, beside those trusted with ``sarwatch witness trust``.
    job_stale_s, job_max_attempts
        A drift run of the web service is a job in the store, run by whichever server
        worker claims it: a job whose worker sent no heartbeat for ``job_stale_s``
        seconds (default 30) is re-queued for another worker, and failed with the
        reason once it was claimed ``job_max_attempts`` times (default 3).
    """

    model_config = SettingsConfigDict(env_prefix="SARWATCH_", extra="ignore")

    home_dir: Path = Field(default_factory=_default_home)
    cache_dir: Path = Field(default_factory=_default_cache)
    database_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    pos_policy_file: Path | None = None
    public_delay_h: float = 72.0
    public_round_deg: float = 0.1
    sqlite_synchronous: Literal["full", "normal"] = "full"
    allowed_hosts: str = ""
    max_body_bytes: int = Field(1_048_576, gt=0)
    media_max_bytes: int = Field(2 * 1024**3, gt=0)
    aisstream_api_key: SecretStr | None = None
    token_expires_days: int = Field(90, ge=0, le=3650)
    witness_trust: Literal["allow-list", "first-use"] = "allow-list"
    witness_keys: str = ""
    job_stale_s: float = Field(30.0, gt=0)
    job_max_attempts: int = Field(3, ge=1)

    @field_validator("token_expires_days", mode="before")
    @classmethod
    def _never_is_zero(cls, value: object) -> object:
        """``never`` (as ``--expires-days`` takes it) is 0: tokens that do not expire."""
        if isinstance(value, str) and value.strip().lower() == "never":
            return 0
        return value

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to the embedded SQLite file."""
        url = self.database_url or f"sqlite:///{self.home_dir / 'sarwatch.db'}"
        normal = self.sqlite_synchronous != "full" and url.startswith("sqlite")
        if normal and "synchronous=" not in url:
            url += ("&" if "?" in url else "?") + f"synchronous={self.sqlite_synchronous}"
        return url


#: Settings whose values an error message must not repeat (keys, passwords in URLs).
_SECRET = frozenset({"aisstream_api_key", "database_url"})


def load_settings(**overrides: object) -> Settings:
    """Build the settings from the environment, with explicit overrides on top.

    Raises
    ------
    InputError
        A value that is not valid: the message names the ``SARWATCH_`` variable (or the
        option), the value given (not for secrets) and what it takes.
    """
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise InputError(_settings_problem(exc, overrides)) from None


def _settings_problem(exc: ValidationError, overrides: dict[str, object]) -> str:
    problems = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else "?"
        name = field if field in overrides else f"SARWATCH_{field.upper()}"
        given = "" if field in _SECRET else f"={error.get('input')!r}"
        problems.append(f"{name}{given}: {error['msg']}")
    return (
        "a setting is not valid: "
        + "; ".join(problems)
        + "; give a valid value or unset it for the default (README, Configuration)"
    )
