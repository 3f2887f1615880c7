"""Service settings, read from the environment (every one has a default)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


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
    sns_auto_confirm: bool = True
    """Visit an SNS SubscribeURL (on an SNS host only) when a confirmation arrives."""
    public_url: str | None = None
    """The base URL platforms reach this service at, for receiver URLs (else the request's)."""

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Config:
        env = dict(os.environ if env is None else env)
        defaults = cls()

        def integer(name: str, default: int) -> int:
            raw = env.get(name)
            if raw is None or raw == "":
                return default
            try:
                return int(raw)
            except ValueError:
                raise SystemExit(f"{name} must be an integer, got {raw!r}") from None

        def choice(name: str, default: str, allowed: tuple[str, ...]) -> str:
            raw = (env.get(name) or default).strip().lower()
            if raw not in allowed:
                raise SystemExit(f"{name} must be one of {', '.join(allowed)}, got {raw!r}")
            return raw

        return cls(
            data_dir=Path(env.get("BURT_DATA_DIR") or defaults.data_dir),
            host=env.get("BURT_HOST") or defaults.host,
            port=integer("BURT_PORT", defaults.port),
            max_body_bytes=integer("BURT_MAX_BODY_BYTES", defaults.max_body_bytes),
            body_read_timeout=integer("BURT_BODY_READ_TIMEOUT", defaults.body_read_timeout),
            key_cache_seconds=integer("BURT_KEY_CACHE_SECONDS", defaults.key_cache_seconds),
            rate_limit=integer("BURT_RATE_LIMIT", defaults.rate_limit),
            rate_burst=integer("BURT_RATE_BURST", defaults.rate_burst),
            mongodb_uri=env.get("BURT_MONGODB_URI") or None,
            mongodb_db=env.get("BURT_MONGODB_DB") or defaults.mongodb_db,
            workers=integer("BURT_WORKERS", defaults.workers),
            log_level=env.get("BURT_LOG_LEVEL") or defaults.log_level,
            log_format=choice("BURT_LOG_FORMAT", defaults.log_format, ("auto", "json", "text")),
            metrics=choice("BURT_METRICS", "on", ("on", "off")) == "on",
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
            sns_auto_confirm=choice("BURT_SNS_AUTO_CONFIRM", "on", ("on", "off")) == "on",
            public_url=(env.get("BURT_PUBLIC_URL") or "").rstrip("/") or None,
        )
