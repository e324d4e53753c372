"""The playground in a real browser: ``tunesmith run`` as a real process (API + worker processes,
the procedural engine, SQLite), the page driven in headless system Chromium through Playwright.

The test enters the key, creates an instrumental and a song with lyrics, waits for both tasks,
plays a clip (``currentTime`` advances) and watches the highlighted lyric word move with it (from
the aligned-lyrics timeline), checks the waveform canvas is drawn, downloads the MP3 in the browser,
splits the song into stems and plays the vocal stem, drops a WAV on the upload zone and reads its
BPM and key, and fails on any console error.
Each step's screenshot is written to ``$TUNESMITH_E2E_ARTIFACTS`` (default
``<tmp>/tunesmith-e2e``); the last one is also ``<tmp>/tunesmith-playground.png``.
"""

from __future__ import annotations

import base64
import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import soundfile as sf

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CHROMIUM = os.environ.get("TUNESMITH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
RENDER_TIMEOUT_S = 420.0
UPLOAD_TEMPO_BPM = 120.0

playwright_sync = pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists():  # pragma: no cover - `make install` installs Debian's chromium
    pytest.skip(f"system Chromium not found at {CHROMIUM}", allow_module_level=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    base_url: str
    key: str
    output: list[str]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("playground-data")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUNESMITH_")}
    cmd = [sys.executable, "-c", "from tunesmith.cli import main; main()"]
    created = subprocess.run(
        [*cmd, "keys", "create", "--credits", "5000", "--name", "e2e", "--data-dir", str(data_dir)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    key = created.stdout.strip().splitlines()[-1]
    assert key.startswith("ts_"), created.stdout
    proc = subprocess.Popen(
        [*cmd, "run", "--port", str(port), "--workers", "2", "--data-dir", str(data_dir)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    base_url = f"http://127.0.0.1:{port}"
    output: list[str] = []
    assert proc.stdout is not None
    reader = threading.Thread(target=lambda: output.extend(proc.stdout or []), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, "".join(output)
            try:
                if httpx.get(base_url + "/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "".join(output)
            time.sleep(0.2)
        yield Server(base_url, key, output)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        reader.join(timeout=10)
        proc.stdout.close()


@pytest.fixture(scope="module")
def artifacts() -> Path:
    folder = Path(os.environ.get("TUNESMITH_E2E_ARTIFACTS") or Path(tempfile.gettempdir()) / "tunesmith-e2e")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def upload_wav(tempo_bpm: float = UPLOAD_TEMPO_BPM, duration_s: float = 8.0) -> bytes:
    """A WAV with a kick on every beat and an A minor triad (A3 C4 E4) under it."""
    sr = 22_050
    t = np.arange(int(duration_s * sr)) / sr
    chord = sum(np.sin(2 * np.pi * f * t) for f in (220.0, 261.63, 329.63)) * 0.12
    beat = 60.0 / tempo_bpm
    phase = np.mod(t, beat)
    kick = np.sin(2 * np.pi * 60.0 * phase) * np.exp(-phase * 30.0) * 0.8
    hat = np.random.default_rng(3).standard_normal(t.size) * np.exp(-np.mod(t + beat / 2, beat) * 80) * 0.15
    samples = (chord + kick + hat).astype(np.float32)
    buffer = io.BytesIO()
    sf.write(buffer, samples, sr, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def non_blank_pixels(page: Any, selector: str) -> int:
    return int(
        page.eval_on_selector(
            selector,
            """(canvas) => {
                const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
                let n = 0;
                for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
                return n;
            }""",
        )
    )


def wait_task(page: Any, kind: str) -> Any:
    task = page.locator(f'li.task[data-kind="{kind}"]').first
    task.wait_for(state="attached", timeout=10_000)
    page.wait_for_function(
        """(kind) => {
            const li = document.querySelector(`li.task[data-kind="${kind}"]`);
            return li && (li.dataset.state === "succeeded" || li.dataset.state === "failed");
        }""",
        arg=kind,
        timeout=RENDER_TIMEOUT_S * 1000,
        polling=1000,
    )
    return task


def test_playground_end_to_end(server: Server, artifacts: Path) -> None:
    console_errors: list[str] = []
    shots: list[Path] = []
    with playwright_sync.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
            page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: console_errors.append(f"pageerror: {e}"))

            def shot(name: str) -> None:
                path = artifacts / f"{len(shots):02d}-{name}.png"
                page.screenshot(path=str(path), full_page=True)
                shots.append(path)

            page.goto(server.base_url + "/")
            page.wait_for_selector("body[data-ready=true]")
            config = httpx.get(server.base_url + "/playground/config").json()
            operations: dict[str, bool] = config["operations"]
            # the operations the acceptance walks through exist on this server
            assert operations["aligned_lyrics"] and operations["stems"] and operations["upload"], operations
            assert page.locator("#tag-suggestions button").count() > 0
            shot("start")

            # 1. the key, kept in the browser
            page.fill("#api-key", server.key)
            page.click("#key-save")
            page.wait_for_function("document.querySelector('#credits').textContent.includes('credits')")
            assert page.evaluate("localStorage.getItem('tunesmith.apiKey')") == server.key
            assert "5,000" in page.inner_text("#credits") or "5000" in page.inner_text("#credits")
            assert page.locator("#description").is_hidden()

            # 1b. one-click tag upsampling, only when the server offers it
            assert page.locator("#upsample").is_visible() is operations["upsample_tags"]
            if operations["upsample_tags"]:
                page.fill("#tags", "lo-fi")
                page.click("#upsample")
                page.wait_for_function("document.querySelector('#tags').value.length > 'lo-fi'.length")
                direct = httpx.post(
                    server.base_url + "/api/v1/sonic/upsample-tags",
                    json={"tags": "lo-fi"},
                    headers={"Authorization": f"Bearer {server.key}"},
                ).json()["data"]["upsampled_tags"]
                assert page.input_value("#tags") == direct  # the server's answer, deterministic

            # 2. an instrumental: tags typed with a suggestion click, 10 s, fixed seed
            page.fill("#title", "Harbour Lights")
            page.check("#instrumental")
            page.fill("#tags", "lo-fi, pia")
            page.locator("#tag-suggestions button", has_text="piano").first.click()
            assert page.input_value("#tags").startswith("lo-fi, piano")
            page.fill("#duration", "10")
            page.fill("#seed", "7")
            page.click("#create-submit")
            page.locator('li.task[data-kind="instrumental"]').wait_for(timeout=10_000)

            # 3. a song with lyrics and a female voice
            page.fill("#title", "Little Star")
            page.uncheck("#instrumental")
            lyrics_text = "[Verse]\nHello little star tonight\nShine on me so bright\n[Chorus]\nShine on"
            page.fill("#lyrics", lyrics_text)
            page.fill("#tags", "pop, happy")
            page.fill("#duration", "12")
            page.fill("#seed", "11")
            page.select_option("#gender", "f")
            page.click("#create-submit")
            page.locator('li.task[data-kind="song"]').wait_for(timeout=10_000)
            assert page.locator("li.task .progress:not([hidden])").count() > 0
            shot("progress")

            instrumental = wait_task(page, "instrumental")
            song = wait_task(page, "song")
            assert instrumental.get_attribute("data-state") == "succeeded"
            assert song.get_attribute("data-state") == "succeeded"
            for task in (instrumental, song):
                cards = task.locator("article.clip")
                assert cards.count() == 2
                assert task.locator('article.clip[data-state="succeeded"]').count() == 2
            shot("done")

            # 4. the waveform of every clip is drawn on its canvas
            page.wait_for_function(
                "[...document.querySelectorAll('li.task canvas.wave')]"
                ".every(c => c.dataset.state === 'drawn')",
                timeout=60_000,
            )
            first_canvas = "li.task[data-kind=song] article.clip canvas.wave"
            drawn = non_blank_pixels(page, first_canvas)
            size = page.eval_on_selector(first_canvas, "c => c.width * c.height")
            assert drawn > 0.02 * size, (drawn, size)

            # 5. play the song from the keyboard: currentTime advances
            card = song.locator("article.clip").first
            card.locator("canvas.wave").focus()
            page.keyboard.press("Space")
            page.wait_for_function(
                "document.querySelector('li.task[data-kind=song] article.clip audio').currentTime > 1.0",
                timeout=20_000,
            )
            # the played part is redrawn in the accent colour: the canvas changes as it plays
            assert non_blank_pixels(page, first_canvas) > 0
            # 5b. the words light up from the aligned-lyrics timeline as the audio plays
            lyrics = card.locator(".lyrics")
            assert lyrics.is_visible()
            page.wait_for_function(
                "document.querySelector('li.task[data-kind=song] .lyrics').dataset.timed === 'true'",
                timeout=20_000,
            )
            alignment = httpx.post(
                server.base_url + "/api/v1/sonic/aligned-lyrics",
                json={"clip_id": card.get_attribute("data-clip-id")},
                headers={"Authorization": f"Bearer {server.key}"},
            ).json()["data"]["alignment"]
            spans = lyrics.locator("span.w")
            assert [spans.nth(i).text_content() for i in range(spans.count())] == [
                w["word"] for w in alignment
            ]
            assert "".join(w["word"] for w in alignment).split()[:4] == ["Hello", "little", "star", "tonight"]
            lit = "document.querySelector('li.task[data-kind=song] .lyrics .w.on')"
            first = int(
                page.wait_for_function(
                    f"{lit} && {lit}.parentElement.dataset.word", timeout=20_000
                ).json_value()
            )
            page.wait_for_function(
                f"(w) => {lit} && {lit}.parentElement.dataset.word !== w", arg=str(first), timeout=20_000
            )
            state = page.evaluate(
                f"""() => ({{index: Number({lit}.parentElement.dataset.word), text: {lit}.textContent,
                    t: document.querySelector('li.task[data-kind=song] article.clip audio').currentTime}})"""
            )
            assert state["index"] > first, (first, state)
            word = alignment[state["index"]]
            assert state["text"] == word["word"]
            assert word["start_s"] <= state["t"] + 0.05, (word, state)  # never ahead of the audio
            assert lyrics.locator(".w.on").count() == 1
            shot("playing")
            card.locator("audio").evaluate("a => a.pause()")

            # 6. the download links work
            links = card.locator(".downloads a")
            kinds = [links.nth(i).get_attribute("data-kind") for i in range(links.count())]
            assert {"mp3", "wav", "cover"} <= set(kinds), kinds
            for i in range(links.count()):
                href = links.nth(i).get_attribute("href")
                assert href is not None
                assert httpx.head(href).status_code == 200, href
            # 6b. the MP3 link downloads the file in the browser
            with page.expect_download(timeout=20_000) as download_info:
                card.locator('.downloads a[data-kind="mp3"]').click()
            saved = artifacts / "song.mp3"
            download_info.value.save_as(saved)
            assert download_info.value.failure() is None
            mp3 = saved.read_bytes()
            assert len(mp3) > 20_000 and (mp3[:3] == b"ID3" or mp3[0] == 0xFF), len(mp3)

            # 7. one-click operations: shown only when the server offers them
            for name, action in (
                ("extend", "extend"),
                ("cover", "cover"),
                ("remaster", "remaster"),
                ("stems", "stems"),
                ("stems_basic", "stems-basic"),
                ("replace_section", "replace-section"),
            ):
                buttons = card.locator(f'button[data-action="{action}"]').count()
                assert buttons == (1 if operations[name] else 0), (name, operations)
            card.locator('button[data-action="stems"]').click()
            stems = wait_task(page, "stems")
            assert stems.get_attribute("data-state") == "succeeded"
            stem_cards = stems.locator("article.clip[data-stem]")
            assert stem_cards.count() >= 2
            assert stems.locator("article.clip").count() == stem_cards.count()
            names = {stem_cards.nth(i).get_attribute("data-stem") for i in range(stem_cards.count())}
            assert {"vocals", "drums"} <= names, names
            for i in range(stem_cards.count()):  # named "<source title> (<Stem>)", each with its player
                stem_card = stem_cards.nth(i)
                title = stem_card.locator(".clip-title").inner_text()
                assert title.startswith("Little Star (") and title.endswith(")"), title
                assert stem_card.locator(".player").is_visible()
                assert (stem_card.locator("audio").get_attribute("src") or "").endswith(".mp3")
                assert stem_card.locator('button[data-action^="stems"]').count() == 0
            vocals = stems.locator('article.clip[data-stem="vocals"]')
            assert vocals.locator(".clip-title").inner_text() == "Little Star (Vocals)"
            vocals.locator("canvas.wave").focus()
            page.keyboard.press("Space")
            page.wait_for_function(
                "document.querySelector('li.task[data-kind=stems] article.clip[data-stem=vocals] audio')"
                ".currentTime > 0.5",
                timeout=20_000,
            )
            vocals.locator("audio").evaluate("a => a.pause()")
            shot("stems")

            # 8. drop a WAV on the upload zone: its BPM and key appear
            wav_b64 = base64.b64encode(upload_wav()).decode()
            page.eval_on_selector(
                "#drop",
                """(drop, b64) => {
                    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
                    const file = new File([bytes], "groove-120.wav", { type: "audio/wav" });
                    const dt = new DataTransfer();
                    dt.items.add(file);
                    for (const type of ["dragenter", "dragover", "drop"]) {
                        const init = { dataTransfer: dt, bubbles: true, cancelable: true };
                        drop.dispatchEvent(new DragEvent(type, init));
                    }
                }""",
                wav_b64,
            )
            upload = page.locator("#uploads article.clip").first
            upload.wait_for(timeout=60_000)
            assert upload.get_attribute("data-state") == "succeeded"
            # tempo and key are measured after the upload answers (the first time in a server
            # process includes imports and numba compilation): the page polls until they appear
            upload.locator(".clip-facts b.bpm").wait_for(timeout=60_000)
            bpm = float(upload.get_attribute("data-bpm") or "nan")
            assert min(abs(bpm / UPLOAD_TEMPO_BPM * f - 1.0) for f in (0.5, 1.0, 2.0)) < 0.04, bpm
            assert upload.locator(".clip-facts b.bpm").inner_text().strip() != ""
            assert upload.get_attribute("data-key"), "no key shown for the upload"
            assert upload.locator("canvas.wave").get_attribute("data-state") in ("loading", "drawn")
            page.wait_for_function(
                "document.querySelector('#uploads canvas.wave').dataset.state === 'drawn'", timeout=20_000
            )
            assert "BPM" in page.inner_text("#status")
            shot("upload")

            page.evaluate("window.scrollTo(0, 0)")
            shot("final")
            shutil.copyfile(shots[-1], Path(tempfile.gettempdir()) / "tunesmith-playground.png")

            # 9. the layout holds on a phone-sized screen: nothing wider than the viewport
            page.set_viewport_size({"width": 390, "height": 844})
            page.wait_for_timeout(300)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, overflow
            shot("mobile")
        finally:
            browser.close()
    assert console_errors == [], console_errors
