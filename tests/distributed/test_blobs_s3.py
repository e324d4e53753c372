"""The S3 BlobStore adapter against a real S3-compatible server (moto, over loopback HTTP)."""

from __future__ import annotations

import httpx
import pytest

from tunesmith.blobs.s3 import S3BlobStore, parse_s3_url
from tunesmith.blobs.store import LocalBlobStore, make_blob_store
from tunesmith.errors import NotFound
from tunesmith.settings import Settings

pytestmark = pytest.mark.xdist_group("distributed")


def test_parse_s3_url() -> None:
    assert parse_s3_url("s3://bucket") == ("bucket", "", None, None)
    assert parse_s3_url("s3://b/some/prefix/?endpoint=http://h:9000&region=eu-west-1") == (
        "b",
        "some/prefix/",
        "http://h:9000",
        "eu-west-1",
    )
    for bad in ("http://bucket", "s3:///x", "s3://b?secret=1"):
        with pytest.raises(ValueError, match=r"blobs\.url"):
            parse_s3_url(bad)


def test_put_get_exists_delete_list(bucket_url: str) -> None:
    store = S3BlobStore.from_url(bucket_url)
    payload = bytes(range(256)) * 1000
    store.put("clips/a/mix.wav", payload)
    store.put("clips/a/cover.jpg", b"jpeg")
    store.put("clips/b/mix.wav", b"other")
    assert store.get("clips/a/mix.wav") == payload
    assert store.exists("clips/a/cover.jpg")
    assert not store.exists("clips/a/missing.mp3")
    assert store.list("clips/a/") == ["clips/a/cover.jpg", "clips/a/mix.wav"]
    store.put("clips/a/cover.jpg", b"jpeg2")  # overwrite
    assert store.get("clips/a/cover.jpg") == b"jpeg2"
    store.delete("clips/a/cover.jpg")
    assert not store.exists("clips/a/cover.jpg")
    with pytest.raises(NotFound):
        store.get("clips/a/cover.jpg")
    store.ping()
    assert store.local_path("clips/a/mix.wav") is None


def test_prefix_isolates_keys(s3_server: object, bucket_url: str) -> None:
    bucket, rest = bucket_url[len("s3://") :].split("?", 1)
    one = S3BlobStore.from_url(f"s3://{bucket}/tenant-one?{rest}")
    two = S3BlobStore.from_url(f"s3://{bucket}/tenant-two?{rest}")
    one.put("clips/x/mix.mp3", b"one")
    assert not two.exists("clips/x/mix.mp3")
    assert one.list() == ["clips/x/mix.mp3"]
    assert S3BlobStore.from_url(bucket_url).list() == ["tenant-one/clips/x/mix.mp3"]


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs", "clips/../../x", "a//b", "a\\b", ""])
def test_unsafe_keys_are_refused(bucket_url: str, key: str) -> None:
    store = S3BlobStore.from_url(bucket_url)
    with pytest.raises(NotFound):
        store.put(key, b"x")
    assert not store.exists(key)


def test_presigned_urls_download_and_expire(bucket_url: str) -> None:
    store = S3BlobStore.from_url(bucket_url)
    store.put("clips/c/mix.mp3", b"ID3 mp3 bytes")
    url = store.presigned_url("clips/c/mix.mp3", expires_s=60, content_type="audio/mpeg")
    assert url is not None and "Signature" in url
    got = httpx.get(url)
    assert got.status_code == 200
    assert got.content == b"ID3 mp3 bytes"
    assert got.headers["content-type"] == "audio/mpeg"
    head = store.presigned_url("clips/c/mix.mp3", expires_s=60, method="HEAD")
    assert head is not None and httpx.head(head).status_code == 200
    tampered = url.replace("clips/c/mix.mp3", "clips/c/other.mp3")
    assert httpx.get(tampered).status_code == 403


def test_settings_select_the_store(tmp_path: object, bucket_url: str) -> None:
    from pathlib import Path

    assert isinstance(make_blob_store(Settings(data_dir=Path(str(tmp_path)))), LocalBlobStore)
    store = make_blob_store(Settings(data_dir=Path(str(tmp_path)), blobs={"url": bucket_url}))
    assert isinstance(store, S3BlobStore)
    store.ping()
    local = LocalBlobStore(Path(str(tmp_path)) / "b")
    assert local.presigned_url("k", expires_s=1) is None
    local.put("clips/z/a.mp3", b"1")
    assert local.list("clips/") == ["clips/z/a.mp3"]
