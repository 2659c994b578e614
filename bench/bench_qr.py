"""Time to draw one code image, and tokens issued and verified per second, on one core.

Each image has its own token, name and colour, as real ones do. Prints medians over several runs of
the per-run median and 90th percentile.

    python bench/bench_qr.py [--images 200] [--runs 5] [--tokens 20000]
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.domain.qr_image import CodeCard, render_code_png
from bot.domain.tokens import deep_link, issue_token, key_from_secret, verify_token

NOW = 1_795_000_000
COLOURS = {"green": "GREEN CODE", "yellow": "黄码", "red": "RED CODE"}
NAMES = ("Zhang Wei", "欧阳娜娜", "Maximiliana Alexandra Konstantinopoulou-Wolfeschlegelsteinhausen", "李明")


def _cards(count: int) -> list[CodeCard]:
    rng = random.Random(7)
    key = key_from_secret("bench-secret")
    cards = []
    for index in range(count):
        colour, word = list(COLOURS.items())[index % 3]
        token = issue_token(rng.getrandbits(63), NOW, NOW + 86_400, key)
        cards.append(
            CodeCard(
                link=deep_link("health_code_bench_bot", token),
                colour=colour,
                holder_name=NAMES[index % len(NAMES)],
                colour_word=word,
                validity_text="Issued 27 Nov 2026, 09:41" if index % 2 else "签发于 2026年11月27日 09:41",
            )
        )
    return cards


def _image_run(cards: list[CodeCard]) -> tuple[float, float]:
    times = []
    for card in cards:
        start = time.perf_counter()
        render_code_png(card)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), statistics.quantiles(times, n=10)[-1]


def _token_run(count: int) -> tuple[float, float]:
    key = key_from_secret("bench-secret")
    keys = [key_from_secret("bench-old-secret"), key]
    start = time.perf_counter()
    tokens = [issue_token(holder, NOW, NOW + 86_400, key) for holder in range(count)]
    issued = count / (time.perf_counter() - start)
    start = time.perf_counter()
    for token in tokens:
        verify_token(token, keys, NOW + 60)
    verified = count / (time.perf_counter() - start)
    return issued, verified


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tokens", type=int, default=20_000)
    args = parser.parse_args()

    cards = _cards(args.images)
    # Warm-up: fonts loaded, backgrounds drawn, qrcode's tables built, as in a bot that has been running.
    for card in cards[:20]:
        render_code_png(card)
    _token_run(1000)
    gc.collect()

    images = [_image_run(cards) for _ in range(args.runs)]
    tokens = [_token_run(args.tokens) for _ in range(args.runs)]
    png_bytes = statistics.median(len(render_code_png(card)) for card in cards[:30])

    print(
        f"render_code_png: median {statistics.median(m for m, _ in images):.2f} ms, "
        f"p90 {statistics.median(p for _, p in images):.2f} ms "
        f"({args.images} images x {args.runs} runs; PNG about {png_bytes / 1024:.1f} KiB)"
    )
    print(f"issue_token: {statistics.median(i for i, _ in tokens):,.0f} per second")
    print(f"verify_token: {statistics.median(v for _, v in tokens):,.0f} per second (two keys listed)")


if __name__ == "__main__":
    main()
