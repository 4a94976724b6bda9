"""Service settings, validated at import from the environment and `.env`.

Names follow the design document where it has them (DATABASE_URL, REDIS_URL,
SECRET_KEY, AWS_*, S3_*). Every setting is listed in `.env.example`.
"""

from __future__ import annotations

import os
from enum import StrEnum
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network
from pathlib import Path
from typing import Self

from limits import parse as parse_rate
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_SECRET = "change-me-development-only"
MIB = 1024 * 1024


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class PaymentProviderName(StrEnum):
    PADDLE = "paddle"
    STRIPE = "stripe"


class PaddleEnvironment(StrEnum):
    SANDBOX = "sandbox"
    PRODUCTION = "production"


class LogLevel(StrEnum):
    DEBUG = "DEBUG"
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"


class LogFormat(StrEnum):
    JSON = "json"
    TEXT = "text"


class StorageBackend(StrEnum):
    LOCAL = "local"
    S3 = "s3"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_ignore_empty=True, extra="ignore")

    environment: Environment = Environment.DEVELOPMENT
    debug: bool = False
    """Tracebacks in error responses: never in production (refused at start)."""
    docs_enabled: bool | None = None
    """`/docs`, `/redoc` and `/openapi.json`: on by default outside production, off in it."""
    cors_origins: list[str] = Field(default_factory=list)
    """Browser origins allowed to call the API with credentials, e.g.
    ["https://app.example.com"]; "*" is refused, since credentials are allowed."""
    secret_key: str = DEVELOPMENT_SECRET
    data_dir: Path = Path("pdf2audiobook-data")
    """Root of everything the embedded defaults keep on disk (database, audio, uploads)."""
    database_url: str | None = None
    """SQLAlchemy URL; defaults to SQLite inside `data_dir`."""
    database_pool_size: int = Field(default=20, ge=1)
    database_max_overflow: int = Field(default=30, ge=0)
    database_pool_recycle_seconds: int = Field(default=3600, ge=60)
    """PostgreSQL connections are replaced after this long (servers and proxies drop idle
    ones)."""
    redis_url: str | None = None
    """Set to run jobs on Celery workers; unset, an in-process runner runs them."""

    storage_backend: StorageBackend = StorageBackend.LOCAL
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None
    """For R2, MinIO or a test server; unset means AWS."""
    aws_access_key_id: str | None = None
    aws_secret_access_key: str | None = None
    aws_region: str = "us-east-1"
    presigned_url_seconds: int = Field(default=300, ge=30, le=3600)

    max_upload_bytes: int = Field(default=100 * MIB, ge=1)
    max_pdf_pages: int = Field(default=2000, ge=1)
    max_json_body_bytes: int = Field(default=64 * 1024, ge=1024)
    """Every body that is not an upload (JSON, a webhook has its own 1 MB) is refused past
    this size, as it streams."""
    body_timeout_seconds: float = Field(default=15.0, gt=0)
    """A body that sends nothing for this long, or a small body not whole after it, is cut
    off with 408 and its connection closed."""
    upload_timeout_seconds: float = Field(default=600.0, gt=0)
    """The longest a whole upload may take to arrive."""
    max_concurrent_uploads: int = Field(default=8, ge=1)
    """Uploads received at once by one API process; more get 503 with Retry-After."""
    estimate_concurrency: int = Field(default=2, ge=1)
    """Estimates read in their sandbox at once by one API process; up to `estimate_queue`
    more wait their turn, and past that they get 503 with Retry-After."""
    estimate_queue: int = Field(default=8, ge=0)
    max_event_streams_per_user: int = Field(default=4, ge=1)
    """Progress streams (`/jobs/{id}/events`) one user may hold open per API process; one
    more is a 429 with Retry-After."""
    health_cache_seconds: float = Field(default=5.0, ge=0)
    """`/health` answers from its last checks for this long, so calling it costs nothing."""
    tts_fallback_providers: list[str] = Field(default_factory=list)
    """Providers that take over a chapter when the job's provider fails, in order."""
    job_workers: int = Field(default_factory=lambda: _usable_cores(), ge=1)
    """Processes of the embedded runner (no REDIS_URL), each running one stage at a time:
    one per core by default. Each holds a voice in memory (about 0.5 GB)."""
    job_lease_seconds: float = Field(default=120.0, ge=2.0)
    """A job or chapter whose worker stops heartbeating for this long is taken over."""
    job_max_attempts: int = Field(default=4, ge=1)
    """Runs of one stage of a job (a first try and its retries, or restarts after a worker
    died on it) before the job fails instead of looping."""
    reconcile_seconds: float = Field(default=60.0, gt=0)
    """How often the reconciler (the embedded runner's, or beat's) looks for jobs whose
    lease expired or whose message was lost."""
    requeue_after_seconds: float = Field(default=600.0, gt=0)
    """A queued job or chapter not started this long after its message was sent gets a new
    message (a Redis restart without persistence loses queued messages)."""
    job_retention_days: int = Field(default=30, ge=1)
    """Finished jobs and their files are deleted by the daily clean-up after this many days."""
    chunk_cache_max_mb: int = Field(default=2048, ge=0)
    """Spoken chunks kept in `data_dir/cache` (so a retried or resumed job speaks only
    what is missing); the least recently used go first beyond this size."""

    log_level: LogLevel = LogLevel.INFO
    log_format: LogFormat = LogFormat.TEXT
    """`json`: one JSON object a line, for a log collector; `text`: for a terminal."""
    metrics_token: str | None = None
    """A bearer token that `/metrics` asks for. With neither this nor
    METRICS_ALLOWED_NETWORKS set, `/metrics` answers 404."""
    metrics_allowed_networks: list[IPv4Network | IPv6Network] = Field(default_factory=list)
    """CIDRs whose clients may read `/metrics` (without the token, if one is set)."""
    metrics_multiproc_dir: Path | None = None
    """Where every process of the service writes its metrics for `/metrics` to add up;
    defaults to `DATA_DIR/metrics`. Emptied when `serve` starts. The service sets
    prometheus-client's PROMETHEUS_MULTIPROC_DIR from it; that variable is not read here,
    since the service writes it."""

    pdf_password_hours: int = Field(default=168, ge=1)
    """How long a job's PDF password is kept (sealed with SECRET_KEY) for retries and
    resumes; after that a retry asks for it again."""
    credits_enabled: bool = True
    """Jobs cost credits (a 402 when the balance is short). Off, every job is free: a
    private server for one household needs no paywall."""
    products_cache_seconds: float = Field(default=300.0, ge=0)
    """How long `/api/v1/products` is served from cache (Redis when REDIS_URL is set)."""
    payment_provider: PaymentProviderName = PaymentProviderName.PADDLE
    """Which provider sells credits and subscriptions; checkout answers 503 until its
    API key is set."""
    paddle_api_key: str | None = None
    paddle_environment: PaddleEnvironment = PaddleEnvironment.SANDBOX
    paddle_api_url: str | None = None
    """Overrides the environment's API address (a proxy, a test server)."""
    paddle_webhook_secrets: list[str] = Field(default_factory=list)
    """The notification destination's secret key; two while rotating. Empty: the Paddle
    webhook route answers 404 and accepts nothing."""
    stripe_api_key: str | None = None
    stripe_api_url: str | None = None
    stripe_webhook_secrets: list[str] = Field(default_factory=list)
    checkout_success_url: str | None = None
    """Where a provider's hosted checkout sends the buyer back to (Stripe needs one)."""
    webhook_tolerance_seconds: int = Field(default=300, ge=5, le=3600)
    """Signed webhooks older (or further in the future) than this are refused as replays."""

    clerk_jwks_url: str | None = None
    jwt_public_key_pem: str | None = None
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    jwt_authorized_parties: list[str] = Field(default_factory=list)
    jwt_leeway_seconds: int = Field(default=30, ge=0, le=300)
    jwt_role_claim: str = "role"
    """A verified JWT whose claim of this name is "admin" (or a list holding it) acts as an
    administrator; `pdf2audiobook users set-role` makes one without it."""

    rate_limits_enabled: bool = True
    """Requests are counted per user (per client address without a token) and refused
    with 429 beyond the limits below; counted on Redis when REDIS_URL is set."""
    rate_limit_api: str = "600/minute"
    """Every `/api/v1` request of one user, or of one address without a valid token."""
    rate_limit_submit: str = "10/minute"
    """Job submissions and retries of one user."""
    rate_limit_upload: str = "20/minute"
    """Estimates (a PDF read while the caller waits) of one user."""
    rate_limit_checkout: str = "10/minute"
    rate_limit_tokens: str = "10/hour"
    """Personal API token creation through the API."""
    rate_limit_webhooks: str = "1200/minute"
    """Payment webhooks per sending address: far above a provider's retry rate."""
    trusted_proxies: list[IPv4Network | IPv6Network] = Field(default_factory=list)
    """Peers (CIDRs) whose `X-Forwarded-For` names the client; from anyone else the header
    is ignored and the peer's address is the client's."""
    max_active_jobs_per_user: int = Field(default=10, ge=1)
    """Jobs one user may have waiting or running; a further submission or retry gets 429."""

    @field_validator(
        "rate_limit_api",
        "rate_limit_submit",
        "rate_limit_upload",
        "rate_limit_checkout",
        "rate_limit_tokens",
        "rate_limit_webhooks",
    )
    @classmethod
    def _rate_limit_is_parseable(cls, value: str) -> str:
        try:
            parse_rate(value)
        except ValueError as error:
            raise ValueError(f"{value!r} is not a rate like '10/minute': {error}") from None
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _log_level_in_any_case(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Self:
        if self.environment is not Environment.PRODUCTION:
            return self
        if self.debug:
            raise ValueError("DEBUG must be off when ENVIRONMENT is production.")
        if (self.clerk_jwks_url or self.jwt_public_key_pem) and not (
            self.jwt_issuer and self.jwt_authorized_parties
        ):
            raise ValueError(
                "In production, sign-in tokens need JWT_ISSUER and JWT_AUTHORIZED_PARTIES: "
                "without them a token minted for another site or issuer would be accepted."
            )
        return self

    @model_validator(mode="after")
    def _refuse_wildcard_cors(self) -> Self:
        if "*" in self.cors_origins:
            raise ValueError('CORS_ORIGINS must list origins; "*" with credentials is unsafe.')
        return self

    @model_validator(mode="after")
    def _refuse_default_secret_outside_development(self) -> Self:
        if self.environment is not Environment.DEVELOPMENT and self.secret_key in (
            DEVELOPMENT_SECRET,
            "",
        ):
            raise ValueError(
                f"SECRET_KEY must be set to a private value when ENVIRONMENT is "
                f"{self.environment.value}."
            )
        return self

    @property
    def chunk_cache_dir(self) -> Path:
        return self.data_dir / "cache"

    @property
    def chunk_cache_max_bytes(self) -> int:
        return self.chunk_cache_max_mb * MIB

    @property
    def metrics_dir(self) -> Path:
        return self.metrics_multiproc_dir or self.data_dir / "metrics"

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'pdf2audiobook.db').resolve()}"


def _usable_cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once. Tests build `Settings(...)` directly instead."""
    return Settings()
