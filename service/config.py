"""Service settings, read from the environment (every one has a default).

A value that cannot be used is a `ConfigError` naming the variable, before anything starts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

BOOLEANS = {"true": True, "1": True, "yes": True, "on": True}
BOOLEANS |= {"false": False, "0": False, "no": False, "off": False}
"""Every boolean variable's spellings (compared case-insensitively)."""

PORTS = range(1, 65536)
LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")
MONGODB_SCHEMES = ("mongodb://", "mongodb+srv://")


class ConfigError(ValueError):
    """A setting's value cannot be used: `name` must be `requirement`, and `raw` is not."""

    def __init__(self, name: str, requirement: str, raw: str) -> None:
        super().__init__(f"{name} must be {requirement}, got {raw!r}")
        self.name, self.requirement, self.raw = name, requirement, raw


@dataclass(frozen=True)
class Config:
    data_dir: Path = Path("var")
    host: str = "127.0.0.1"
    port: int = 8000
    max_body_bytes: int = 32 * 1024 * 1024
    body_read_timeout: int = 30
    """Seconds a request body may go without sending anything before it is refused (408)."""
    key_cache_seconds: int = 2
    """How old a cached API-key lookup may get: a revoked key is refused within this."""
    rate_limit: int = 200
    """Requests per second per API key in each worker process (0: no limit); see auth.ratelimit."""
    rate_burst: int = 1000
    """Requests a key may send at once before `rate_limit` applies."""
    mongodb_uri: str | None = None
    mongodb_db: str = "burt"
    workers: int = 1
    log_level: str = "info"
    log_format: str = "auto"  # json | text | auto (text on a terminal)
    metrics: bool = True  # serve /metrics
    metrics_token: str | None = None  # when set, /metrics wants it as a bearer token
    cors_origins: tuple[str, ...] = ()  # origins allowed to call the API from a browser
    secret_key: str | None = None
    """Seals stored webhook signing keys (base64url of 32 bytes); see service.sealing."""
    webhook_tolerance_seconds: int = 900
    """How old (or how far ahead) a signed webhook timestamp may be before it counts as a replay."""
    webhook_max_body_bytes: int = 4 * 1024 * 1024
    """The largest delivery a webhook receiver reads (413 beyond it); see docs/webhooks.md."""
    sns_auto_confirm: bool = True
    """Visit an SNS SubscribeURL (on an SNS host only) when a confirmation arrives."""
    public_url: str | None = None
    """The base URL platforms reach this service at, for receiver URLs (else the request's)."""

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Config:
        env = dict(os.environ if env is None else env)
        defaults = cls()

        def integer(name: str, default: int, allowed: range | None = None) -> int:
            raw = env.get(name)
            if raw is None or raw == "":
                return default
            requirement = (
                "an integer"
                if allowed is None
                else f"an integer from {allowed.start} to {allowed.stop - 1}"
            )
            try:
                value = int(raw)
            except ValueError:
                raise ConfigError(name, requirement, raw) from None
            if allowed is not None and value not in allowed:
                raise ConfigError(name, requirement, raw)
            return value

        def choice(name: str, default: str, allowed: tuple[str, ...]) -> str:
            raw = (env.get(name) or default).strip().lower()
            if raw not in allowed:
                raise ConfigError(name, f"one of {', '.join(allowed)}", raw)
            return raw

        def boolean(name: str, default: bool) -> bool:
            raw = env.get(name) or ""
            if not raw.strip():
                return default
            if raw.strip().lower() not in BOOLEANS:
                raise ConfigError(name, "true or false (or 1/0, yes/no, on/off)", raw)
            return BOOLEANS[raw.strip().lower()]

        def mongodb_uri(raw: str | None) -> str | None:
            if raw is not None and not raw.startswith(MONGODB_SCHEMES):
                raise ConfigError("BURT_MONGODB_URI", "a mongodb:// or mongodb+srv:// URI", raw)
            return raw

        return cls(
            data_dir=Path(env.get("BURT_DATA_DIR") or defaults.data_dir),
            host=env.get("BURT_HOST") or defaults.host,
            port=integer("BURT_PORT", defaults.port, PORTS),
            max_body_bytes=integer("BURT_MAX_BODY_BYTES", defaults.max_body_bytes),
            body_read_timeout=integer("BURT_BODY_READ_TIMEOUT", defaults.body_read_timeout),
            key_cache_seconds=integer("BURT_KEY_CACHE_SECONDS", defaults.key_cache_seconds),
            rate_limit=integer("BURT_RATE_LIMIT", defaults.rate_limit),
            rate_burst=integer("BURT_RATE_BURST", defaults.rate_burst),
            mongodb_uri=mongodb_uri(env.get("BURT_MONGODB_URI") or None),
            mongodb_db=env.get("BURT_MONGODB_DB") or defaults.mongodb_db,
            workers=integer("BURT_WORKERS", defaults.workers),
            log_level=choice("BURT_LOG_LEVEL", defaults.log_level, LOG_LEVELS),
            log_format=choice("BURT_LOG_FORMAT", defaults.log_format, ("auto", "json", "text")),
            metrics=boolean("BURT_METRICS", defaults.metrics),
            metrics_token=env.get("BURT_METRICS_TOKEN") or None,
            cors_origins=tuple(
                o.strip().rstrip("/")
                for o in env.get("BURT_CORS_ORIGINS", "").split(",")
                if o.strip()
            ),
            secret_key=env.get("BURT_SECRET_KEY") or None,
            webhook_tolerance_seconds=integer(
                "BURT_WEBHOOK_TOLERANCE_SECONDS", defaults.webhook_tolerance_seconds
            ),
            webhook_max_body_bytes=integer(
                "BURT_WEBHOOK_MAX_BODY_BYTES", defaults.webhook_max_body_bytes
            ),
            sns_auto_confirm=boolean("BURT_SNS_AUTO_CONFIRM", defaults.sns_auto_confirm),
            public_url=(env.get("BURT_PUBLIC_URL") or "").rstrip("/") or None,
        )
