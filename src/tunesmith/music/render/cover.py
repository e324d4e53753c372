"""Cover art: an abstract JPEG drawn from the song's genre, moods, key and seed.

The palette comes from the genre family (warm for pop/latin, neon for electronic, steel for
metal, earthy for folk/country/blues, pastel for lo-fi/dreamy …), shifted by mood (dark moods
darken, happy ones brighten) and rotated by the key's tonic. Composition — a diagonal gradient,
soft glowing discs, concentric rings or waves, a grain layer — is drawn with a generator seeded
from the song's seed and title, so every song gets its own picture and the same song always gets
the same one. The title is set in Pillow's built-in font (no font file needed).
"""

from __future__ import annotations

import colorsys
import hashlib
import io

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from tunesmith.errors import InvalidParameter
from tunesmith.music.score import Score

_FAMILIES: dict[str, tuple[float, float, float]] = {
    # family: (base hue 0-1, saturation, value)
    "electronic": (0.78, 0.85, 0.9),
    "metal": (0.0, 0.45, 0.6),
    "rock": (0.02, 0.75, 0.7),
    "pop": (0.93, 0.65, 0.95),
    "hiphop": (0.11, 0.8, 0.75),
    "rnb": (0.83, 0.55, 0.6),
    "jazz": (0.08, 0.6, 0.6),
    "folk": (0.1, 0.45, 0.7),
    "classical": (0.6, 0.35, 0.75),
    "lofi": (0.55, 0.35, 0.8),
    "latin": (0.05, 0.85, 0.95),
    "ambient": (0.5, 0.4, 0.8),
    "asian": (0.98, 0.6, 0.75),
}
_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("metal", "metal"),
    ("punk", "rock"),
    ("rock", "rock"),
    ("grunge", "rock"),
    ("indie", "rock"),
    ("house", "electronic"),
    ("techno", "electronic"),
    ("edm", "electronic"),
    ("trance", "electronic"),
    ("dubstep", "electronic"),
    ("drum", "electronic"),
    ("synth", "electronic"),
    ("electro", "electronic"),
    ("chiptune", "electronic"),
    ("disco", "pop"),
    ("lo-fi", "lofi"),
    ("lofi", "lofi"),
    ("hip", "hiphop"),
    ("trap", "hiphop"),
    ("rap", "hiphop"),
    ("r&b", "rnb"),
    ("rnb", "rnb"),
    ("soul", "rnb"),
    ("funk", "rnb"),
    ("gospel", "rnb"),
    ("jazz", "jazz"),
    ("bossa", "latin"),
    ("blues", "jazz"),
    ("country", "folk"),
    ("folk", "folk"),
    ("acoustic", "folk"),
    ("reggae", "latin"),
    ("latin", "latin"),
    ("afro", "latin"),
    ("salsa", "latin"),
    ("classical", "classical"),
    ("orchestral", "classical"),
    ("cinematic", "classical"),
    ("piano", "classical"),
    ("ambient", "ambient"),
    ("chinese", "asian"),
    ("gufeng", "asian"),
    ("k-pop", "pop"),
    ("j-pop", "pop"),
    ("pop", "pop"),
)
_DARK_MOODS = ("dark", "sad", "melancholic", "angry", "aggressive", "mysterious", "tense", "lonely", "epic")
_BRIGHT_MOODS = ("happy", "uplifting", "energetic", "playful", "romantic", "hopeful", "euphoric", "sunny")


def _family(score: Score) -> str:
    text = f"{score.genre} {score.tags}".lower()
    for keyword, family in _KEYWORDS:
        if keyword in text:
            return family
    return "pop"


def _palette(score: Score, rng: np.random.Generator) -> list[tuple[int, int, int]]:
    hue, saturation, value = _FAMILIES[_family(score)]
    moods = " ".join(score.moods).lower() + " " + score.tags.lower()
    if any(m in moods for m in _DARK_MOODS):
        value *= 0.7
    if any(m in moods for m in _BRIGHT_MOODS):
        value = min(1.0, value * 1.15 + 0.05)
        saturation = min(1.0, saturation * 1.1)
    hue = (hue + score.key.tonic_pc / 12 * 0.12 + float(rng.uniform(-0.04, 0.04))) % 1.0
    minor = "minor" in score.key.mode
    offsets = (0.0, 0.08, -0.1, 0.5 if not minor else 0.42, 0.17)
    colours = []
    for i, offset in enumerate(offsets):
        v = value * (0.35 if i == 0 else float(rng.uniform(0.75, 1.0)))
        s = saturation * float(rng.uniform(0.7, 1.0))
        r, g, b = colorsys.hsv_to_rgb((hue + offset) % 1.0, min(1.0, s), min(1.0, v))
        colours.append((int(r * 255), int(g * 255), int(b * 255)))
    return colours


def draw_cover(score: Score, *, size_px: int = 1024, with_title: bool = True) -> bytes:
    """A square JPEG (``size_px`` ≥ 512) for ``score``; deterministic from its content and seed."""
    if not 512 <= size_px <= 4096:
        raise InvalidParameter("size_px must be between 512 and 4096.", field="size_px")
    digest = hashlib.sha256(f"{score.seed}|{score.title}|{score.genre}|{score.key.name}".encode()).digest()
    rng = np.random.default_rng(int.from_bytes(digest[:8], "little"))
    colours = _palette(score, rng)
    n = size_px
    m = min(n, 512)  # the smooth layers are computed at ≤ 512 px and scaled up (4× less work)
    y, x = np.mgrid[0:m, 0:m].astype(np.float32) / m

    angle = float(rng.uniform(0, 2 * np.pi))
    t = np.clip((np.cos(angle) * (x - 0.5) + np.sin(angle) * (y - 0.5)) + 0.5, 0, 1)[..., np.newaxis]
    start = np.array(colours[0], dtype=np.float32)
    end = np.array(colours[1], dtype=np.float32) * 0.55
    image = start * (1 - t) + end * t

    for _ in range(int(rng.integers(3, 7))):  # soft glowing discs
        cx, cy = rng.uniform(0.1, 0.9, size=2)
        radius = float(rng.uniform(0.12, 0.4))
        colour = np.array(colours[int(rng.integers(1, len(colours)))], dtype=np.float32)
        d2 = ((x - cx) ** 2 + (y - cy) ** 2) / radius**2
        glow = np.exp(-d2 * 2.2)[..., np.newaxis] * float(rng.uniform(0.45, 0.9))
        image = image * (1 - glow) + colour * glow

    style = int(rng.integers(0, 3))
    cx, cy = rng.uniform(0.3, 0.7, size=2)
    if style == 0:  # concentric rings
        r = np.sqrt((x - cx) ** 2 + (y - cy) ** 2)
        pattern = 0.5 + 0.5 * np.cos(r * float(rng.uniform(30, 70)))
    elif style == 1:  # waves
        pattern = 0.5 + 0.5 * np.sin(
            x * float(rng.uniform(8, 20)) + np.sin(y * float(rng.uniform(3, 9))) * 2.5
        )
    else:  # diagonal bands
        pattern = 0.5 + 0.5 * np.sin((x + y * float(rng.uniform(0.3, 2.0))) * float(rng.uniform(15, 40)))
    accent = np.array(colours[3], dtype=np.float32)
    strength = (pattern**6 * float(rng.uniform(0.12, 0.3)))[..., np.newaxis]
    image = image * (1 - strength) + accent * strength

    smooth = Image.fromarray(np.clip(image, 0, 255).astype(np.uint8), "RGB")
    if m != n:
        smooth = smooth.resize((n, n), Image.Resampling.BICUBIC)
    grain = rng.normal(0.0, 6.0, size=(n, n, 1)).astype(np.float32)
    picture = Image.fromarray(
        np.clip(np.asarray(smooth, dtype=np.float32) + grain, 0, 255).astype(np.uint8), "RGB"
    )
    picture = picture.filter(ImageFilter.GaussianBlur(radius=0.6))

    draw = ImageDraw.Draw(picture)
    for _ in range(int(rng.integers(2, 5))):  # crisp geometric accents
        x0, y0 = (rng.uniform(0.05, 0.8, size=2) * n).astype(int)
        extent = int(rng.uniform(0.08, 0.3) * n)
        stroke = colours[int(rng.integers(2, len(colours)))]
        if rng.random() < 0.5:
            draw.ellipse((x0, y0, x0 + extent, y0 + extent), outline=stroke, width=max(2, n // 180))
        else:
            draw.line((x0, y0, x0 + extent, y0 - extent // 2), fill=stroke, width=max(2, n // 160))

    if with_title and score.title.strip():
        font = ImageFont.load_default(size=max(16, n // 16))
        title = score.title.strip()[:40]
        box = draw.textbbox((0, 0), title, font=font)
        margin = n // 20
        position = (margin, n - margin - (box[3] - box[1]))
        draw.text((position[0] + 2, position[1] + 2), title, font=font, fill=(0, 0, 0))
        draw.text(position, title, font=font, fill=(250, 248, 240))

    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=90, optimize=True)
    return out.getvalue()
