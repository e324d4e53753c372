"""The S3-compatible BlobStore adapter (AWS S3, MinIO, moto, Ceph…) for scaled-out deployments.

Selected by ``blobs.url = s3://bucket/optional/prefix?endpoint=http://host:9000&region=us-east-1``.
Credentials come from boto3's usual chain (``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY``
environment, shared config files, instance roles). Keys are checked like the local store's (no
``..``, no leading ``/``). An S3 PUT is atomic, so a reader never sees half an object. Clip files
are served by redirecting to :meth:`S3BlobStore.presigned_url` (path-style URLs, valid for
``blobs.presign_ttl_s`` seconds).
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tunesmith.blobs.store import check_key
from tunesmith.errors import NotFound


def parse_s3_url(url: str) -> tuple[str, str, str | None, str | None]:
    """``s3://bucket/prefix?endpoint=…&region=…`` → (bucket, prefix, endpoint, region).

    The prefix has no leading slash and, when not empty, ends with ``/``. Raises ValueError naming
    ``blobs.url`` for anything else (a configuration error at start-up, not a request error)."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise ValueError("blobs.url must look like s3://bucket/prefix?endpoint=http://host:9000")
    query = parse_qs(parts.query)
    unknown = set(query) - {"endpoint", "region"}
    if unknown:
        raise ValueError(f"blobs.url has unknown parameter(s): {', '.join(sorted(unknown))}")
    prefix = parts.path.strip("/")
    endpoint = query.get("endpoint", [None])[0]
    region = query.get("region", [None])[0]
    return parts.netloc, (prefix + "/") if prefix else "", endpoint, region


def _is_missing(exc: Exception) -> bool:
    response = getattr(exc, "response", None) or {}
    code = str(response.get("Error", {}).get("Code", ""))
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return code in ("404", "NoSuchKey", "NotFound") or status == 404


class S3BlobStore:
    """Blobs as objects ``{prefix}{key}`` in one bucket."""

    def __init__(
        self, bucket: str, *, prefix: str = "", endpoint: str | None = None, region: str | None = None
    ) -> None:
        import boto3
        from botocore.config import Config

        self.bucket = bucket
        self.prefix = prefix
        config = Config(
            s3={"addressing_style": "path"},
            signature_version="s3v4",
            retries={"max_attempts": 3, "mode": "standard"},
            connect_timeout=5,
            read_timeout=60,
            max_pool_connections=32,
        )
        self.client: Any = boto3.client("s3", endpoint_url=endpoint, region_name=region, config=config)

    @classmethod
    def from_url(cls, url: str) -> S3BlobStore:
        bucket, prefix, endpoint, region = parse_s3_url(url)
        return cls(bucket, prefix=prefix, endpoint=endpoint, region=region)

    def _name(self, key: str) -> str:
        return self.prefix + check_key(key)

    def put(self, key: str, data: bytes) -> None:
        """Store ``data`` with the Content-Type its suffix implies (so presigned HEADs and GETs
        answer with it)."""
        from tunesmith.blobs.urls import CONTENT_TYPES

        content_type = CONTENT_TYPES.get(PurePosixPath(key).suffix, "application/octet-stream")
        self.client.put_object(Bucket=self.bucket, Key=self._name(key), Body=data, ContentType=content_type)

    def get(self, key: str) -> bytes:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._name(key))
        except Exception as exc:
            if _is_missing(exc):
                raise NotFound("Not Found.") from None
            raise
        body: bytes = answer["Body"].read()
        return body

    def exists(self, key: str) -> bool:
        try:
            name = self._name(key)
        except NotFound:
            return False
        try:
            self.client.head_object(Bucket=self.bucket, Key=name)
        except Exception as exc:
            if _is_missing(exc):
                return False
            raise
        return True

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))

    def list(self, prefix: str = "") -> list[str]:
        """Keys starting with ``prefix`` (relative to the store's own prefix), sorted."""
        keys: list[str] = []
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix + prefix):
            keys.extend(item["Key"][len(self.prefix) :] for item in page.get("Contents", []))
        return sorted(keys)

    def local_path(self, key: str) -> Path | None:
        return None

    def presigned_url(
        self, key: str, *, expires_s: int, content_type: str | None = None, method: str = "GET"
    ) -> str:
        """A URL anyone can fetch ``key`` from for ``expires_s`` seconds (``method`` GET or HEAD)."""
        params: dict[str, str] = {"Bucket": self.bucket, "Key": self._name(key)}
        if content_type:
            params["ResponseContentType"] = content_type
        operation = "head_object" if method == "HEAD" else "get_object"
        if operation == "head_object":
            params.pop("ResponseContentType", None)
        url: str = self.client.generate_presigned_url(operation, Params=params, ExpiresIn=expires_s)
        return url

    def ping(self) -> None:
        self.put(".health/ping", b"ok")
        if self.get(".health/ping") != b"ok":
            raise OSError("blob store read back different bytes")
