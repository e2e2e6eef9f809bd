"""Generate a register file of random US numbers (`lines` format) and a sample of them for probes.

    python bench/gen_registers.py --size 100000000

Writes bench/.data/us-<size>.txt (national 10-digit numbers, one a line, ~11 bytes each) and
bench/.data/us-<size>.sample.npy (1% of the numbers, as E.164 keys, to make probes that hit).
Numbers are valid North American numbers (area code and exchange 200-999), drawn at random: the
generator knows nothing of real subscribers.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

DATA = Path(__file__).parent / ".data"
CHUNK = 5_000_000


def paths(size: int) -> tuple[Path, Path]:
    return DATA / f"us-{size}.txt", DATA / f"us-{size}.sample.npy"


def national_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    npa = rng.integers(200, 1000, n, dtype=np.int64)
    nxx = rng.integers(200, 1000, n, dtype=np.int64)
    line = rng.integers(0, 10_000, n, dtype=np.int64)
    return npa * 10_000_000 + nxx * 10_000 + line


def as_lines(numbers: np.ndarray) -> bytes:
    out = np.empty((numbers.size, 11), np.uint8)
    value = numbers.copy()
    for col in range(9, -1, -1):
        out[:, col] = (value % 10) + 48
        value //= 10
    out[:, 10] = 10
    return out.tobytes()


def generate(size: int, seed: int = 2026) -> tuple[Path, Path]:
    DATA.mkdir(parents=True, exist_ok=True)
    text_path, sample_path = paths(size)
    rng = np.random.default_rng(seed)
    samples = []
    partial = text_path.with_suffix(".partial")
    with partial.open("wb") as out:
        left = size
        while left:
            n = min(CHUNK, left)
            numbers = national_numbers(rng, n)
            out.write(as_lines(numbers))
            samples.append(numbers[::100] + 10_000_000_000)
            left -= n
    partial.replace(text_path)
    np.save(sample_path, np.concatenate(samples))
    return text_path, sample_path


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=100_000_000, help="numbers in the register")
    args = parser.parse_args()
    started = time.perf_counter()
    text_path, _ = generate(args.size)
    print(
        f"wrote {text_path} ({text_path.stat().st_size / 1e9:.2f} GB) in {time.perf_counter() - started:.1f} s"
    )


if __name__ == "__main__":
    main()
