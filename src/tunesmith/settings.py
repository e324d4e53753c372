"""Service settings (pydantic-settings): environment prefix ``TUNESMITH_``, nesting with ``__``.

Examples: ``TUNESMITH_DATA_DIR=/srv/tunesmith``, ``TUNESMITH_PUBLIC_BASE_URL=https://music.example.org``,
``TUNESMITH_QUEUE__WORKERS=4``, ``TUNESMITH_WEBHOOKS__ALLOW_PRIVATE_TARGETS=true``.

Nothing is read at import time: call :func:`load_settings` (the CLI and ``create_app`` do).
"""

from __future__ import annotations

import secrets
import threading
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, IPvAnyNetwork
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_PRICES: dict[str, int] = {
    "create_music": 20,
    "extend_music": 15,
    "cover_music": 15,
    "persona_music": 15,
    "remaster": 15,
    "add_instrumental": 15,
    "add_vocals": 15,
    "concat_music": 2,
    "upload_extend": 17,
    "upload_extend_concat": 19,
    "upload_cover": 17,
    "replace_section": 10,
    "upload": 2,
    "lyrics": 2,
    "upsample_tags": 1,
    "stems_basic": 30,
    "stems_full": 75,
    "bpm": 1,
    "vox": 1,
    "wav": 2,
    "midi": 1,
    "aligned_lyrics": 1,
    "download": 2,
    "riffusion": 12,
    "nuro": 10,
    "producer": 10,
    "producer_extend": 12,
    "producer_replace": 12,
    "producer_upload": 2,
    "producer_download": 2,
    "studio32": 15,
    "studio130": 30,
    "persona": 1,
    "create_voice": 4,
    "sample": 14,
    "mashup": 10,
}
"""Credits per operation (API.md §11); ``billing.prices`` overrides entries."""


class DatabaseSettings(BaseModel):
    url: str | None = Field(
        default=None,
        description=(
            "SQLAlchemy URL; default: sqlite file tunesmith.db under data_dir. For many machines use "
            "PostgreSQL: postgresql+psycopg://user:password@host:5432/tunesmith (migrated on start)."
        ),
    )
    busy_timeout_ms: int = Field(default=10_000, ge=0, description="SQLite busy timeout (milliseconds).")


class RateLimitSettings(BaseModel):
    submit_per_minute: float = Field(default=20, ge=0, description="Submissions per key per minute; 0 = off.")
    submit_burst: int = Field(default=10, ge=0, description="Token-bucket burst for submissions.")
    other_per_minute: float = Field(default=300, ge=0, description="Other calls per key per minute; 0 = off.")
    redis_url: str | None = Field(
        default=None,
        description=(
            "Redis URL holding the token buckets, shared by every API process (e.g. "
            "redis://10.0.0.5:6379/1); default: queue.redis_url when set, else in-process memory."
        ),
    )


class QueueSettings(BaseModel):
    backend: Literal["huey", "inline"] = Field(
        default="huey",
        description="huey: durable queue (SQLite file, or Redis with redis_url); inline: tests.",
    )
    redis_url: str | None = Field(
        default=None,
        description=(
            "Redis URL (redis://host:6379/0) of a shared priority queue (Huey PriorityRedisHuey) for API "
            "and worker processes on many machines; default: a SQLite queue file under data_dir."
        ),
    )
    workers: int = Field(default=2, ge=1, description="Worker processes started by `tunesmith run`.")
    max_pending: int = Field(default=1000, ge=1, description="Pending tasks above which submissions get 503.")
    lease_s: float = Field(default=120.0, gt=0, description="A running task's lease; renewed on progress.")
    reaper_interval_s: float = Field(default=15.0, gt=0, description="How often expired leases are reaped.")


class JobSettings(BaseModel):
    timeout_s: float = Field(default=900.0, gt=0, description="A task running longer fails and is refunded.")
    progress_interval_s: float = Field(
        default=0.5, ge=0, description="Minimum seconds between progress writes."
    )
    max_attempts: int = Field(default=3, ge=1, description="Runs of one task before it is failed.")


class WebhookSettings(BaseModel):
    allow_private_targets: bool = Field(default=False, description="Allow loopback/private webhook targets.")
    allowed_networks: list[IPvAnyNetwork] = Field(
        default_factory=list,
        description="Private networks (CIDR, e.g. 10.1.0.0/16) webhooks may reach though others are refused.",
    )
    require_https: bool = Field(default=False, description="Refuse http:// webhook URLs.")
    timeout_s: float = Field(default=10.0, gt=0, description="Per-attempt timeout.")
    retry_schedule_s: list[float] = Field(
        default_factory=lambda: [10.0, 60.0, 300.0, 1800.0, 7200.0, 21600.0],
        description="Delays before attempts 2..N after failures (API.md §10).",
    )


class FileSettings(BaseModel):
    signed_url_ttl_s: int | None = Field(
        default=None, ge=1, description="Sign file URLs with exp/sig when set."
    )
    signing_secret: str | None = Field(
        default=None,
        description="HMAC secret for signed file URLs; default: a random one kept in data_dir.",
    )


class UploadSettings(BaseModel):
    max_bytes: int = Field(default=100 * 1024 * 1024, ge=1, description="Largest accepted upload (bytes).")
    max_duration_s: float = Field(default=480.0, gt=0, description="Longest accepted upload (seconds).")
    min_duration_s: float = Field(default=1.0, ge=0, description="Shortest accepted upload (seconds).")
    allow_private_networks: bool = Field(default=False, description="Allow fetching from private addresses.")
    allowed_networks: list[IPvAnyNetwork] = Field(
        default_factory=list,
        description="Private networks (CIDR, e.g. 10.1.0.0/16) URL uploads may fetch from.",
    )
    connect_timeout_s: float = Field(default=10.0, gt=0, description="Connect timeout for URL uploads.")
    total_timeout_s: float = Field(default=120.0, gt=0, description="Total timeout for URL uploads.")


class BillingSettings(BaseModel):
    enabled: bool = Field(default=True, description="When false, nothing is charged.")
    prices: dict[str, int] = Field(default_factory=dict, description="Overrides of the default price table.")
    unlimited_display_credits: int = Field(
        default=999_999, description="get-credits answer with billing off."
    )
    first_key_credits: int = Field(default=1000, ge=0, description="Credits of the key made on first run.")

    def price(self, operation: str) -> int:
        """Credits for ``operation`` (0 when billing is disabled)."""
        if not self.enabled:
            return 0
        return self.prices.get(operation, DEFAULT_PRICES.get(operation, 0))


class EngineSettings(BaseModel):
    default: str = Field(default="procedural", description="Engine used for every model name.")
    models: dict[str, str] = Field(default_factory=dict, description="Model name → engine name overrides.")
    video: bool = Field(default=True, description="Render video.mp4 for each clip.")


class BlobSettings(BaseModel):
    url: str | None = Field(
        default=None,
        description=(
            "Where clip files live. Default: the folder blobs/ under data_dir. For many machines an "
            "S3-compatible bucket: s3://bucket/optional/prefix?endpoint=http://host:9000&region=us-east-1 "
            "(endpoint and region optional; credentials from the usual AWS_ACCESS_KEY_ID / "
            "AWS_SECRET_ACCESS_KEY environment). File URLs then redirect to presigned S3 URLs."
        ),
    )
    presign_ttl_s: int = Field(
        default=3600, ge=1, le=604_800, description="Lifetime of presigned S3 download URLs (seconds)."
    )


class MetricsSettings(BaseModel):
    token: str | None = Field(default=None, description="Bearer token required by /metrics when set.")


class Settings(BaseSettings):
    """Every setting of the service. See the module docstring for the environment syntax."""

    model_config = SettingsConfigDict(env_prefix="TUNESMITH_", env_nested_delimiter="__", extra="ignore")

    data_dir: Path = Field(default=Path("./data"), description="SQLite files and blobs live here.")
    public_base_url: str = Field(default="http://127.0.0.1:8000", description="Base of every returned URL.")
    log_level: str = Field(default="info", description="Log level.")
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    rate_limits: RateLimitSettings = Field(default_factory=RateLimitSettings)
    queue: QueueSettings = Field(default_factory=QueueSettings)
    jobs: JobSettings = Field(default_factory=JobSettings)
    webhooks: WebhookSettings = Field(default_factory=WebhookSettings)
    files: FileSettings = Field(default_factory=FileSettings)
    uploads: UploadSettings = Field(default_factory=UploadSettings)
    billing: BillingSettings = Field(default_factory=BillingSettings)
    engine: EngineSettings = Field(default_factory=EngineSettings)
    metrics: MetricsSettings = Field(default_factory=MetricsSettings)
    blobs: BlobSettings = Field(default_factory=BlobSettings)

    @property
    def database_url(self) -> str:
        """The SQLAlchemy URL of the metadata database."""
        if self.database.url:
            return self.database.url
        return f"sqlite:///{(self.data_dir / 'tunesmith.db').resolve()}"

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"

    @property
    def queue_path(self) -> Path:
        return self.data_dir / "queue.db"

    @property
    def base_url(self) -> str:
        return self.public_base_url.rstrip("/")

    def file_signing_secret(self) -> str:
        """``files.signing_secret``, or a random secret made once and kept in
        ``data_dir/file-signing.key`` (shared by the API and worker processes of one data dir)."""
        if self.files.signing_secret:
            return self.files.signing_secret
        path = (self.data_dir / "file-signing.key").resolve()
        with _SECRET_LOCK:
            if path not in _SECRETS:
                if not path.is_file():
                    path.parent.mkdir(parents=True, exist_ok=True)
                    try:
                        with path.open("x", encoding="ascii") as handle:  # first writer wins
                            handle.write(secrets.token_urlsafe(32))
                    except FileExistsError:
                        pass
                _SECRETS[path] = path.read_text(encoding="ascii").strip()
            return _SECRETS[path]


_SECRETS: dict[Path, str] = {}
_SECRET_LOCK = threading.Lock()


def load_settings(**overrides: Any) -> Settings:
    """Read settings from the environment (and ``overrides``, which win)."""
    return Settings(**overrides)
