"""Settings: typed, frozen, read once from SHAREKEEPER_* environment variables. No I/O at import."""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from sharekeeper.domain.quotas import (
    ORGANIZATION_QUOTA_RANGE,
    QUOTA_MAX,
    OrganizationQuotaType,
    Quotas,
    QuotaType,
)
from sharekeeper.domain.webhooks import Destinations

DEFAULT_PORT = 9460


class SettingsError(ValueError):
    pass


def default_data_dir(env: Mapping[str, str]) -> Path:
    if env.get("SHAREKEEPER_DATA_DIR"):
        return Path(env["SHAREKEEPER_DATA_DIR"]).expanduser()
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "sharekeeper"


# The admin token opens every account. Failed tries are limited per source address, but a
# guesser with many addresses (an IPv6 prefix) is bounded only by the token's own entropy.
ADMIN_TOKEN_MIN_LENGTH = 32


def _admin_token(env: Mapping[str, str]) -> str | None:
    token = env.get("SHAREKEEPER_ADMIN_TOKEN") or None
    if token is not None and len(token) < ADMIN_TOKEN_MIN_LENGTH:
        raise SettingsError(
            f"SHAREKEEPER_ADMIN_TOKEN must be at least {ADMIN_TOKEN_MIN_LENGTH} characters; "
            "make one with: python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )
    return token


def _int(
    env: Mapping[str, str], name: str, default: int, minimum: int = 0, maximum: int = 2**31 - 1
) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}")
    if value > maximum:
        raise SettingsError(f"{name} must be at most {maximum}, got {value}")
    return value


_FILE_KEYS = (
    "database_url",
    "data_dir",
    "host",
    "port",
    "invitation_ttl",
    "max_clock_skew",
    "sqlite_synchronous",
    "db_pool_size",
    "rate_limit",
    "rate_burst",
    "max_body_bytes",
    "max_header_bytes",
    "max_headers",
    "max_request_line",
    "header_timeout",
    "idle_timeout",
    "body_timeout",
    "send_timeout",
    "max_connections",
    "max_connections_per_source",
    "max_connections_per_prefix",
    "trusted_proxies",
    "statement_timeout",
    "master_key",
    "admin_token",
    "log_format",
    "log_level",
    "workers",
    "nats_url",
    "nats_stream",
    "nats_subject_prefix",
    "webhook_attempts",
    "webhook_backoff",
    "webhook_backoff_max",
    "webhook_timeout",
    "webhook_allow",
)


def config_file(path: Path) -> dict[str, str]:
    """A TOML file of settings, as the SHAREKEEPER_* variables they stand for: ``port = 8080``
    is SHAREKEEPER_PORT, ``[quotas] tag_association = 30`` is SHAREKEEPER_QUOTA_TAG_ASSOCIATION."""
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise SettingsError(f"the config file {path} does not exist") from None
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"the config file {path} is not valid TOML: {error}") from None
    values: dict[str, str] = {}
    for key, value in data.items():
        if key == "quotas" and isinstance(value, dict):
            for kind, limit in value.items():
                if kind not in {q.value for q in (*QuotaType, *OrganizationQuotaType)}:
                    raise SettingsError(f"{path}: unknown quota {kind!r}")
                values[f"SHAREKEEPER_QUOTA_{kind.upper()}"] = str(limit)
        elif key in _FILE_KEYS and not isinstance(value, dict | list):
            values[f"SHAREKEEPER_{key.upper()}"] = str(value)
        elif key in ("trusted_proxies", "webhook_allow") and isinstance(value, list):
            values[f"SHAREKEEPER_{key.upper()}"] = ",".join(str(item) for item in value)
        else:
            raise SettingsError(f"{path}: unknown setting {key!r}")
    return values


def _choice(env: Mapping[str, str], name: str, default: str, allowed: tuple[str, ...]) -> str:
    value = (env.get(name) or default).lower()
    if value not in allowed:
        raise SettingsError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None
    if value < 0 or value != value:
        raise SettingsError(f"{name} must be zero or more, got {raw!r}")
    return value


def trusted_proxies(raw: str, name: str = "SHAREKEEPER_TRUSTED_PROXIES") -> tuple[str, ...]:
    """Comma-separated addresses or CIDR networks, each checked and written canonically: uvicorn
    would take a malformed entry as a literal host name that never matches, silently."""
    entries = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        try:
            entry = ipaddress.ip_network(item) if "/" in item else ipaddress.ip_address(item)
        except ValueError as error:
            raise SettingsError(
                f"{name} takes IP addresses and networks (10.0.0.5, 10.0.0.0/24), got {item!r}: "
                f"{error}"
            ) from None
        entries.append(str(entry))
    return tuple(dict.fromkeys(entries))


# A JetStream stream name: no whitespace, ".", "*", ">", path separators (NATS's own rule).
_STREAM_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# A subject prefix: dot-separated tokens without wildcards or whitespace.
_SUBJECT_PREFIX = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")


def _nats(env: Mapping[str, str]) -> tuple[str | None, str, str]:
    """SHAREKEEPER_NATS_URL (unset: no relay), ..._NATS_STREAM and ..._NATS_SUBJECT_PREFIX."""
    url = env.get("SHAREKEEPER_NATS_URL") or None
    if url is not None and not url.startswith(("nats://", "tls://", "ws://", "wss://")):
        raise SettingsError(
            f"SHAREKEEPER_NATS_URL must be a nats:// (or tls://, ws://, wss://) URL, got {url!r}"
        )
    stream = env.get("SHAREKEEPER_NATS_STREAM") or "SHAREKEEPER_EVENTS"
    if not _STREAM_NAME.match(stream):
        raise SettingsError(
            f"SHAREKEEPER_NATS_STREAM must be 1 to 64 letters, digits, '_' or '-', got {stream!r}"
        )
    prefix = env.get("SHAREKEEPER_NATS_SUBJECT_PREFIX") or "sharekeeper"
    if len(prefix) > 128 or not _SUBJECT_PREFIX.match(prefix):
        raise SettingsError(
            "SHAREKEEPER_NATS_SUBJECT_PREFIX must be dot-separated tokens of letters, digits, "
            f"'_' or '-' (no wildcards), got {prefix!r}"
        )
    return url, stream, prefix


@dataclass(frozen=True, slots=True)
class WebhookSettings:
    """How webhooks are delivered (docs/configuration.md): tries per event before it is dead
    lettered, the backoff between them (doubling from ``backoff`` up to ``backoff_max``
    seconds), each try's timeout, and the allow-list of destinations (host names, networks)."""

    attempts: int = 8
    backoff: float = 1.0
    backoff_max: float = 300.0
    timeout: float = 10.0
    allow: tuple[str, ...] = ()


def _webhooks(env: Mapping[str, str]) -> WebhookSettings:
    allow = tuple(
        e.strip() for e in env.get("SHAREKEEPER_WEBHOOK_ALLOW", "").split(",") if e.strip()
    )
    try:
        Destinations.parse(allow)
    except ValueError as error:
        raise SettingsError(
            f"SHAREKEEPER_WEBHOOK_ALLOW: {error}; give host names and networks "
            "(10.0.0.0/8, hooks.example.com), comma-separated"
        ) from None
    settings = WebhookSettings(
        attempts=_int(env, "SHAREKEEPER_WEBHOOK_ATTEMPTS", 8, 1, 100),
        backoff=_float(env, "SHAREKEEPER_WEBHOOK_BACKOFF", 1.0),
        backoff_max=_float(env, "SHAREKEEPER_WEBHOOK_BACKOFF_MAX", 300.0),
        timeout=_float(env, "SHAREKEEPER_WEBHOOK_TIMEOUT", 10.0),
        allow=allow,
    )
    if settings.timeout <= 0 or settings.timeout > 300:
        raise SettingsError("SHAREKEEPER_WEBHOOK_TIMEOUT must be more than 0 and at most 300")
    if settings.backoff_max < settings.backoff or settings.backoff_max > 24 * 3600:
        raise SettingsError(
            "SHAREKEEPER_WEBHOOK_BACKOFF_MAX must be at least SHAREKEEPER_WEBHOOK_BACKOFF and "
            "at most 86400 (a day)"
        )
    return settings


def _quotas(env: Mapping[str, str]) -> Quotas:
    """SHAREKEEPER_QUOTA_RESOURCE_SHARE, ..._RESOURCE_ASSOCIATION, ..._PRINCIPAL_ASSOCIATION,
    ..._PERMISSION_ASSOCIATION, ..._TAG_ASSOCIATION."""
    defaults = Quotas()
    values = {}
    for kind in QuotaType:
        name = f"SHAREKEEPER_QUOTA_{kind.value.upper()}"
        value = _int(env, name, defaults.limit(kind), 0)
        if value > QUOTA_MAX:
            raise SettingsError(f"{name} may be at most {QUOTA_MAX}, got {value}")
        values[kind.value] = value
    values.update(_organization_quotas(env))
    return Quotas(**values)


def _organization_quotas(env: Mapping[str, str]) -> dict[str, int]:
    """SHAREKEEPER_QUOTA_ORGANIZATION_ACCOUNT, ..._ORGANIZATIONAL_UNIT, ..._PENDING_HANDSHAKE,
    each within its range (domain/quotas.py)."""
    defaults = Quotas()
    values = {}
    for kind in OrganizationQuotaType:
        least, most = ORGANIZATION_QUOTA_RANGE[kind]
        name = f"SHAREKEEPER_QUOTA_{kind.value.upper()}"
        values[kind.value] = _int(env, name, defaults.limit(kind), least, most)
    return values


@dataclass(frozen=True, slots=True)
class Settings:
    data_dir: Path
    database_url: str
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    invitation_ttl_seconds: int = 7 * 24 * 3600
    max_clock_skew_seconds: int = 900
    # How long the change feed keeps an event (docs/enforcement.md); housekeeping deletes older.
    event_retention_seconds: int = 7 * 24 * 3600
    # "full" survives power loss; "normal" (WAL) survives a crashed process but not the OS.
    sqlite_synchronous: str = "full"
    db_pool_size: int = 8
    quotas: Quotas = field(default_factory=Quotas)
    # Requests a second per account and process; 0 turns rate limiting off (emulator use).
    rate_limit: float = 0.0
    rate_burst: int = 0
    max_body_bytes: int = 256 * 1024
    max_header_bytes: int = 32 * 1024
    max_headers: int = 100
    max_request_line_bytes: int = 8 * 1024
    # From a connection's first byte (or its last answer) to the end of the request's headers.
    header_timeout_seconds: float = 10.0
    # How long a kept-alive connection may wait, idle, for its next request.
    idle_timeout_seconds: float = 5.0
    # From the end of the headers to the last byte of the body, whatever the pace.
    body_timeout_seconds: float = 30.0
    # How long an answer may wait, unread, for its client to take any of it (abort after).
    send_timeout_seconds: float = 10.0
    # Open connections per worker process, and per source address (0: no per-source cap).
    max_connections: int = 2048
    max_connections_per_source: int = 256
    # Open connections per network prefix (/24, /64) and process (0: no per-prefix cap).
    max_connections_per_prefix: int = 512
    # Peers whose X-Forwarded-For and X-Forwarded-Proto are believed (addresses, networks).
    trusted_proxies: tuple[str, ...] = ()
    statement_timeout_seconds: float = 15.0
    # PostgreSQL: keep the signing keys read, told of changes by LISTEN (store/key_cache.py);
    # off where the listening session cannot be one's own (a transaction-mode pooler).
    key_cache: bool = True
    master_key: str | None = field(default=None, repr=False)
    # The admin API (/admin/v1) answers only when a token is set.
    admin_token: str | None = field(default=None, repr=False)
    log_format: str = "auto"  # json, text, or auto: text on a terminal, JSON otherwise
    log_level: str = "info"
    workers: int = 1
    # The change feed's relay to NATS JetStream (docs/enforcement.md): off without a URL.
    # Kept out of repr: a URL may carry credentials (nats://user:password@host).
    nats_url: str | None = field(default=None, repr=False)
    nats_stream: str = "SHAREKEEPER_EVENTS"
    nats_subject_prefix: str = "sharekeeper"
    webhooks: WebhookSettings = field(default_factory=WebhookSettings)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Settings from SHAREKEEPER_* variables over the optional config file they may name
        (SHAREKEEPER_CONFIG); every value is checked here, with the name of what is wrong."""
        env = os.environ if env is None else env
        if env.get("SHAREKEEPER_CONFIG"):
            # A variable set but empty counts as unset: it does not hide the file's value.
            env = {
                **config_file(Path(env["SHAREKEEPER_CONFIG"])),
                **{k: v for k, v in env.items() if v},
            }
        data_dir = default_data_dir(env)
        synchronous = env.get("SHAREKEEPER_SQLITE_SYNCHRONOUS", "full").lower()
        nats_url, nats_stream, nats_prefix = _nats(env)
        if synchronous not in ("full", "normal"):
            raise SettingsError("SHAREKEEPER_SQLITE_SYNCHRONOUS must be 'full' or 'normal'")
        return cls(
            data_dir=data_dir,
            database_url=env.get("SHAREKEEPER_DATABASE_URL")
            or f"sqlite:///{data_dir / 'sharekeeper.db'}",
            host=env.get("SHAREKEEPER_HOST", "127.0.0.1"),
            port=_int(env, "SHAREKEEPER_PORT", DEFAULT_PORT, 0, 65535),
            invitation_ttl_seconds=_int(
                env, "SHAREKEEPER_INVITATION_TTL", 7 * 24 * 3600, 1, 366 * 24 * 3600
            ),
            max_clock_skew_seconds=_int(env, "SHAREKEEPER_MAX_CLOCK_SKEW", 900, 1),
            event_retention_seconds=_int(
                env, "SHAREKEEPER_EVENT_RETENTION", 7 * 24 * 3600, 1, 366 * 24 * 3600
            ),
            sqlite_synchronous=synchronous,
            db_pool_size=_int(env, "SHAREKEEPER_DB_POOL_SIZE", 8, 1),
            quotas=_quotas(env),
            rate_limit=_float(env, "SHAREKEEPER_RATE_LIMIT", 0.0),
            rate_burst=_int(env, "SHAREKEEPER_RATE_BURST", 0, 0),
            max_body_bytes=_int(env, "SHAREKEEPER_MAX_BODY_BYTES", 256 * 1024, 1024),
            max_header_bytes=_int(env, "SHAREKEEPER_MAX_HEADER_BYTES", 32 * 1024, 1024),
            max_headers=_int(env, "SHAREKEEPER_MAX_HEADERS", 100, 10),
            max_request_line_bytes=_int(env, "SHAREKEEPER_MAX_REQUEST_LINE", 8 * 1024, 256),
            header_timeout_seconds=_float(env, "SHAREKEEPER_HEADER_TIMEOUT", 10.0),
            idle_timeout_seconds=_float(env, "SHAREKEEPER_IDLE_TIMEOUT", 5.0),
            body_timeout_seconds=_float(env, "SHAREKEEPER_BODY_TIMEOUT", 30.0),
            send_timeout_seconds=_float(env, "SHAREKEEPER_SEND_TIMEOUT", 10.0),
            max_connections=_int(env, "SHAREKEEPER_MAX_CONNECTIONS", 2048, 1),
            max_connections_per_source=_int(env, "SHAREKEEPER_MAX_CONNECTIONS_PER_SOURCE", 256, 0),
            max_connections_per_prefix=_int(env, "SHAREKEEPER_MAX_CONNECTIONS_PER_PREFIX", 512, 0),
            trusted_proxies=trusted_proxies(env.get("SHAREKEEPER_TRUSTED_PROXIES", "")),
            statement_timeout_seconds=_float(env, "SHAREKEEPER_STATEMENT_TIMEOUT", 15.0),
            key_cache=_choice(env, "SHAREKEEPER_KEY_CACHE", "on", ("on", "off")) == "on",
            master_key=env.get("SHAREKEEPER_MASTER_KEY") or None,
            admin_token=_admin_token(env),
            log_format=_choice(env, "SHAREKEEPER_LOG_FORMAT", "auto", ("auto", "json", "text")),
            log_level=_choice(
                env, "SHAREKEEPER_LOG_LEVEL", "info", ("debug", "info", "warning", "error")
            ),
            workers=_int(env, "SHAREKEEPER_WORKERS", 1, 1),
            nats_url=nats_url,
            nats_stream=nats_stream,
            nats_subject_prefix=nats_prefix,
            webhooks=_webhooks(env),
        )

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})  # type: ignore[arg-type]

    @property
    def master_key_path(self) -> Path:
        return self.data_dir / "master.key"
