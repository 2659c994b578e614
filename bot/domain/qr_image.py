"""The picture of a health code: a QR in the code's colour inside a thick frame of that colour, with the
holder's name, the colour in words and until when it is valid (the caller's words: in both languages).

The canvas is drawn as an 8-bit image whose values are palette indices and saved as a palette PNG. The
palette holds two ramps (white to ink for the panel, frame colour to its text colour for the band), so
the anti-aliasing Pillow does on 8-bit values lands on real in-between colours.
"""

from __future__ import annotations

import functools
import io
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont
from qrcode.constants import ERROR_CORRECT_M

FONT_PATH = Path(__file__).resolve().parent.parent / "assets" / "fonts" / "NotoSansSC-Bold.ttf"

WIDTH = 480
FRAME = 28
PANEL = WIDTH - 2 * FRAME
QUIET_ZONE = 4  # modules; the standard's minimum, which phone scanners rely on.
NAME_TOP = FRAME + PANEL
NAME_HEIGHT = 56
BAND_TOP = NAME_TOP + NAME_HEIGHT
WORD_HEIGHT = 84
ISSUED_HEIGHT = 40
HEIGHT = BAND_TOP + WORD_HEIGHT + ISSUED_HEIGHT + FRAME
NAME_CENTRE = NAME_TOP + NAME_HEIGHT // 2
WORD_CENTRE = BAND_TOP + WORD_HEIGHT // 2
# Raised a little: the frame below it is part of the same coloured band and would look like extra margin.
ISSUED_CENTRE = BAND_TOP + WORD_HEIGHT + ISSUED_HEIGHT // 2 - 6
TEXT_WIDTH = PANEL - 16

NAME_SIZES = (34, 18)
WORD_SIZES = (64, 30)
ISSUED_SIZES = (24, 16)
ELLIPSIS = "…"
MAX_CHARS = 160

# Any of the eight masks is allowed by ISO/IEC 18004; scoring all eight is most of qrcode's time
# (docs/performance.md). Tests decode codes drawn with this mask for many tokens.
MASK_PATTERN = 4

# Palette layout. 0..63: white to ink (the white panel and the name on it); 64: QR modules;
# 128..191: frame colour to the text colour on it.
_WHITE = 0
_INK = 63
_MODULE = 64
_BAND = 128
_BAND_TEXT = 191
_RAMP = _INK - _WHITE


@dataclass(frozen=True, slots=True)
class Palette:
    frame: tuple[int, int, int]
    band_text: tuple[int, int, int]
    # A darker shade of the frame colour: the QR's dark modules need contrast with white to scan.
    module: tuple[int, int, int]


INK_RGB = (0x16, 0x16, 0x16)
WHITE_RGB = (0xFF, 0xFF, 0xFF)

PALETTES = {
    "green": Palette(frame=(0x1A, 0x98, 0x50), band_text=WHITE_RGB, module=(0x0B, 0x5E, 0x2F)),
    # Yellow is too light for white text or for QR modules, so both use dark amber tones.
    "yellow": Palette(frame=(0xF2, 0xB7, 0x05), band_text=(0x2B, 0x21, 0x00), module=(0x70, 0x50, 0x00)),
    "red": Palette(frame=(0xD7, 0x19, 0x1C), band_text=WHITE_RGB, module=(0xA8, 0x10, 0x14)),
}


@dataclass(frozen=True, slots=True)
class CodeCard:
    link: str
    colour: str
    holder_name: str
    colour_word: str
    validity_text: str


def render_code_png(card: CodeCard) -> bytes:
    if card.colour not in PALETTES:
        raise ValueError(f"unknown code colour: {card.colour!r}")
    palette = _palette_bytes(card.colour)
    canvas = _base(card.colour, card.colour_word).copy()
    _paste_qr(canvas, card.link)
    draw = ImageDraw.Draw(canvas)
    _draw_fitted(draw, _one_line(card.holder_name), NAME_SIZES, NAME_CENTRE, _INK)
    _draw_fitted(draw, _one_line(card.validity_text), ISSUED_SIZES, ISSUED_CENTRE, _BAND_TEXT)
    image = Image.frombytes("P", canvas.size, canvas.tobytes())
    image.putpalette(palette)
    out = io.BytesIO()
    # Level 3 compresses almost as well as the default 6 in a third of the time (1.2 ms against 3.3).
    image.save(out, format="PNG", optimize=False, compress_level=3)
    return out.getvalue()


@functools.cache
def font(size: int) -> ImageFont.FreeTypeFont:
    # Latin and Chinese need no shaping, and the basic engine does not depend on libraqm being installed.
    return ImageFont.truetype(str(FONT_PATH), size, layout_engine=ImageFont.Layout.BASIC)


def contrast_ratio(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    """WCAG contrast ratio of two sRGB colours, from 1 (none) to 21 (black on white)."""
    la, lb = _luminance(a), _luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def _luminance(rgb: tuple[int, int, int]) -> float:
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(channel) for channel in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _blend(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> bytes:
    return bytes(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))


@functools.cache
def _palette_bytes(colour: str) -> bytes:
    scheme = PALETTES[colour]
    entries = [bytes(3)] * 256
    for i in range(_RAMP + 1):
        entries[_WHITE + i] = _blend(WHITE_RGB, INK_RGB, i / _RAMP)
        entries[_BAND + i] = _blend(scheme.frame, scheme.band_text, i / _RAMP)
    entries[_MODULE] = bytes(scheme.module)
    return b"".join(entries)


# Colour words come from the translation catalogues, a handful per language; the bound caps memory
# (300 KB an entry) should a caller ever pass free text.
@functools.lru_cache(maxsize=16)
def _base(colour: str, colour_word: str) -> Image.Image:
    """Everything that depends only on the colour and its word; callers draw on a copy."""
    canvas = Image.new("L", (WIDTH, HEIGHT), _BAND)
    draw = ImageDraw.Draw(canvas)
    draw.rectangle((FRAME, FRAME, FRAME + PANEL - 1, BAND_TOP - 1), fill=_WHITE)
    _draw_fitted(draw, _one_line(colour_word), WORD_SIZES, WORD_CENTRE, _BAND_TEXT)
    return canvas


def _paste_qr(canvas: Image.Image, link: str) -> None:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, mask_pattern=MASK_PATTERN, border=QUIET_ZONE)
    # optimize=0 keeps the link in one segment; splitting it into modes saves nothing for a URL.
    code.add_data(link, optimize=0)
    code.make(fit=True)
    matrix = code.get_matrix()
    modules = len(matrix)
    scale = PANEL // modules
    if scale < 1:
        raise ValueError("link too long for the code image")
    cells = bytes(b for row in matrix for b in row).translate(_MODULE_LUT)
    qr = Image.frombytes("L", (modules, modules), cells).resize((modules * scale,) * 2, Image.Resampling.NEAREST)
    offset = FRAME + (PANEL - modules * scale) // 2
    canvas.paste(qr, (offset, offset))


_MODULE_LUT = bytes([_WHITE, _MODULE]) + bytes(254)


def _one_line(text: str) -> str:
    # Control, format and unassigned characters (bidi overrides, NUL, lone surrogates) have no glyph
    # and would be drawn as the missing-glyph box; whitespace of any kind becomes one space.
    kept = "".join(ch for ch in text[: 4 * MAX_CHARS] if ch.isspace() or unicodedata.category(ch)[0] != "C")
    return " ".join(kept.split())


def _draw_fitted(draw: ImageDraw.ImageDraw, text: str, sizes: tuple[int, int], centre_y: int, fill: int) -> None:
    """Centred on one line, shrunk down to the smallest size and then cut with an ellipsis to fit."""
    # At the smallest size no printable character is narrower than 4 px, so a longer text cannot fit
    # anyway; the cap keeps a hostile 10,000-character name from costing 10,000-character layouts.
    text = text[:MAX_CHARS]
    if not text:
        return
    largest, smallest = sizes
    size, length = largest, font(largest).getlength(text)
    if length > TEXT_WIDTH:
        # Advances grow in proportion to the size, so one division lands at or just above the right size.
        size = max(smallest, int(largest * TEXT_WIDTH / length))
        while size > smallest and font(size).getlength(text) > TEXT_WIDTH:
            size -= 1
    face = font(size)
    text = _ellipsised(text, face)
    draw.text((WIDTH // 2, centre_y), text, font=face, fill=fill, anchor="mm")


def _ellipsised(text: str, face: ImageFont.FreeTypeFont) -> str:
    if face.getlength(text) <= TEXT_WIDTH:
        return text
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if face.getlength(text[:middle].rstrip() + ELLIPSIS) <= TEXT_WIDTH:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + ELLIPSIS
