"""The code image: it scans back to the link, shows its colour, and its text is real glyphs that fit."""

from __future__ import annotations

import io
import random

import pytest
import zxingcpp
from PIL import Image

from bot.domain import qr_image
from bot.domain.qr_image import (
    BAND_TOP,
    FRAME,
    HEIGHT,
    NAME_TOP,
    PALETTES,
    WIDTH,
    CodeCard,
    contrast_ratio,
    font,
    render_code_png,
)
from bot.domain.tokens import TOKEN_LENGTH, deep_link, issue_token, key_from_secret

COLOURS = ("green", "yellow", "red")
KEY = key_from_secret("image-test-secret")
TOKEN = issue_token(2**63 - 12345, 1_795_000_000, 1_795_086_400, KEY)
LINK = deep_link("health_code_test_bot", TOKEN)
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
WHITE = (255, 255, 255)


def _card(colour: str = "green", link: str = LINK, name: str = "Zhang Wei", word: str = "GREEN CODE") -> CodeCard:
    return CodeCard(
        link=link, colour=colour, holder_name=name, colour_word=word, validity_text="Issued 27 Nov 2026, 09:41"
    )


def _open(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def _decoded(png: bytes) -> list[str]:
    return [barcode.text for barcode in zxingcpp.read_barcodes(_open(png))]


def _ink_columns(image: Image.Image, top: int, bottom: int, colour: str = "green") -> list[int]:
    """x of every pixel in the rows top..bottom that is neither the white panel nor the frame."""
    rgb = image.convert("RGB")
    background = {WHITE, PALETTES[colour].frame}
    return [x for y in range(top, bottom) for x in range(WIDTH) if rgb.getpixel((x, y)) not in background]


@pytest.mark.parametrize("colour", COLOURS)
def test_the_code_scans_back_to_exactly_the_link(colour: str) -> None:
    assert _decoded(render_code_png(_card(colour))) == [LINK]


@pytest.mark.parametrize("colour", COLOURS)
def test_the_longest_possible_link_scans(colour: str) -> None:
    # The longest bot username Telegram allows and a start payload of the full 64 characters.
    link = deep_link("b" * 29 + "bot", "x_-9" * 16)
    assert len(link.partition("?start=")[2]) == 64
    assert _decoded(render_code_png(_card(colour, link=link))) == [link]


@pytest.mark.parametrize("seed", range(40))
def test_the_fixed_mask_scans_for_many_tokens(seed: int) -> None:
    rng = random.Random(seed)
    token = "".join(rng.choice(ALPHABET) for _ in range(TOKEN_LENGTH))
    link = deep_link("health_code_test_bot", token)
    assert _decoded(render_code_png(_card(COLOURS[seed % 3], link=link))) == [link]


def test_a_real_token_link_scans_for_many_holders() -> None:
    rng = random.Random(1)
    for _ in range(20):
        token = issue_token(rng.getrandbits(63), 1_795_000_000, 1_795_086_400, KEY)
        link = deep_link("health_code_test_bot", token)
        assert _decoded(render_code_png(_card("yellow", link=link))) == [link]


def test_the_output_is_a_png_of_the_expected_size() -> None:
    png = render_code_png(_card())
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = _open(png)
    assert image.format == "PNG"
    assert image.size == (WIDTH, HEIGHT)
    assert HEIGHT > WIDTH  # portrait: fills a phone screen held upright
    assert image.mode == "P"
    assert len(png) < 40_000


@pytest.mark.parametrize("colour", COLOURS)
def test_the_frame_is_the_code_colour(colour: str) -> None:
    image = _open(render_code_png(_card(colour))).convert("RGB")
    frame = PALETTES[colour].frame
    corners = [(0, 0), (WIDTH - 1, 0), (0, HEIGHT - 1), (WIDTH - 1, HEIGHT - 1)]
    middles = [
        (FRAME // 2, HEIGHT // 2),
        (WIDTH - 1 - FRAME // 2, HEIGHT // 2),
        (WIDTH // 2, FRAME // 2),
        (WIDTH // 2, HEIGHT - 1 - FRAME // 2),
    ]
    for point in corners + middles:
        assert image.getpixel(point) == frame, point


@pytest.mark.parametrize("colour", COLOURS)
def test_the_modules_are_drawn_in_a_dark_shade_of_the_code_colour(colour: str) -> None:
    image = _open(render_code_png(_card(colour))).convert("RGB")
    qr_area = image.crop((FRAME, FRAME, WIDTH - FRAME, NAME_TOP))
    colours = {rgb for _, rgb in qr_area.getcolors(maxcolors=1024)}
    assert colours == {WHITE, PALETTES[colour].module}


@pytest.mark.parametrize("colour", COLOURS)
def test_colours_have_enough_contrast(colour: str) -> None:
    palette = PALETTES[colour]
    assert contrast_ratio(palette.module, WHITE) >= 7  # scanners in glare and on dim screens
    assert contrast_ratio(palette.frame, palette.band_text) >= 3  # large bold text


@pytest.mark.parametrize("name", ["Zhang Wei", "张伟", "欧阳娜娜", "José Müller-Øberg", "Nguyễn Thị Minh Khai"])
def test_the_name_is_drawn(name: str) -> None:
    image = _open(render_code_png(_card(name=name)))
    grey = image.convert("L").crop((FRAME, NAME_TOP, WIDTH - FRAME, BAND_TOP))
    assert sum(grey.histogram()[:64]) > 50


def test_different_names_give_different_pictures() -> None:
    first = _open(render_code_png(_card(name="张伟"))).crop((0, NAME_TOP, WIDTH, BAND_TOP))
    second = _open(render_code_png(_card(name="李娜"))).crop((0, NAME_TOP, WIDTH, BAND_TOP))
    assert first.tobytes() != second.tobytes()


@pytest.mark.parametrize("text", ["张", "伟", "绿", "黄", "红", "码", "签", "A", "é"])
def test_the_font_has_real_glyphs_not_the_missing_glyph_box(text: str) -> None:
    face = font(34)
    missing = bytes(face.getmask("\U000f0000"))  # a private-use code point no font maps
    assert bytes(face.getmask(text)) != missing


def test_two_chinese_characters_render_differently() -> None:
    face = font(34)
    assert bytes(face.getmask("绿")) != bytes(face.getmask("红"))
    assert bytes(face.getmask("张伟")) != bytes(face.getmask("李娜"))


@pytest.mark.parametrize(
    "name",
    [
        "Maximiliana Alexandra Konstantinopoulou-Wolfeschlegelsteinhausenbergerdorff von Habsburg-Lothringen",
        "张" * 80,
        "W" * 200,
        "Ｗ" * 120,
        "averyveryverylongsinglewordwithnospacesatall" * 4,
    ],
)
def test_a_long_name_stays_inside_the_frame(name: str) -> None:
    image = _open(render_code_png(_card(name=name)))
    assert image.size == (WIDTH, HEIGHT)
    columns = _ink_columns(image, NAME_TOP, BAND_TOP)
    assert columns
    assert min(columns) > FRAME and max(columns) < WIDTH - FRAME


def test_a_long_colour_word_and_issued_text_stay_inside() -> None:
    card = CodeCard(
        link=LINK, colour="red", holder_name="x", colour_word="RED CODE " * 10, validity_text="Issued " * 30
    )
    image = _open(render_code_png(card)).convert("RGB")
    band = image.crop((0, BAND_TOP, WIDTH, HEIGHT))
    frame = PALETTES["red"].frame
    for x in list(range(FRAME)) + list(range(WIDTH - FRAME, WIDTH)):
        for y in range(band.height):
            assert band.getpixel((x, y)) == frame


def test_a_name_with_newlines_and_tabs_is_one_line() -> None:
    one = render_code_png(_card(name="Zhang Wei"))
    messy = render_code_png(_card(name="  Zhang\n\tWei \r\n"))
    assert one == messy


def test_invisible_characters_are_dropped_not_drawn_as_boxes() -> None:
    plain = render_code_png(_card(name="Zhang Wei"))
    for name in ("Zhang\u202e Wei", "Zhang\x00 Wei", "\u200bZhang Wei\ufeff", "Zhang \ud800Wei"):
        assert render_code_png(_card(name=name)) == plain


def test_an_empty_name_still_renders() -> None:
    assert _decoded(render_code_png(_card(name=""))) == [LINK]


def test_an_unknown_colour_is_refused() -> None:
    with pytest.raises(ValueError):
        render_code_png(_card("blue"))


def test_rendering_is_deterministic_and_does_not_change_the_cached_background() -> None:
    first = render_code_png(_card(name="A"))
    render_code_png(_card(name="B" * 40))
    assert render_code_png(_card(name="A")) == first


def test_fonts_are_loaded_once_per_size() -> None:
    assert font(30) is font(30)
    assert qr_image.FONT_PATH.is_file()
