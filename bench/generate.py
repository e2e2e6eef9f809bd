"""Benchmark data: a US campaign CSV of realistic width and a large register that lists ~5% of its rows.

Every visible phone number is fictional-looking: the 555 exchange of a geographic area code (plus a few
Ofcom and ARCEP drama numbers and some garbage). The register's other numbers are random integers that
never appear in the CSV; they only give the membership test its realistic size.

    python bench/generate.py --rows 10000000 --register 100000000
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import polars as pl

from dialgate.domain.numbers import NumberKind, parse_number
from dialgate.errors import InputError

DATA = Path(__file__).parent / ".data"
FIRST = [
    "Ada",
    "Alan",
    "Bea",
    "Cal",
    "Dora",
    "Eli",
    "Fay",
    "Gus",
    "Hana",
    "Ivo",
    "Juno",
    "Kai",
    "Lena",
    "Milo",
    "Nia",
    "Otto",
    "Pia",
    "Quin",
    "Rosa",
    "Sami",
    "Tea",
    "Uli",
    "Vera",
    "Wim",
    "Xena",
    "Yuri",
    "Zoe",
]
LAST = [
    "Abbot",
    "Brook",
    "Crane",
    "Dale",
    "Eaves",
    "Frost",
    "Glade",
    "Heath",
    "Irwin",
    "Jolly",
    "Knoll",
    "Lark",
    "Moss",
    "Nook",
    "Oakes",
    "Pike",
    "Quill",
    "Reed",
    "Stone",
    "Thorn",
    "Upton",
    "Vale",
    "Wren",
    "Yates",
]
STREETS = ["Oak", "Elm", "Pine", "Maple", "Cedar", "Birch", "Willow", "Aspen", "Alder", "Holly"]
KINDS = ["Street", "Avenue", "Road", "Lane", "Court"]
CITIES = [
    "Springfield",
    "Riverton",
    "Fairview",
    "Lakeside",
    "Hillcrest",
    "Brookfield",
    "Greenville",
    "Madison",
    "Clinton",
    "Franklin",
]
SOURCES = ["web", "referral", "event", "partner", "import"]
PHONE_FORMATS = 8  # see _phones


def _phones(rng: np.random.Generator, n: int, npas: np.ndarray) -> tuple[pl.Series, np.ndarray]:
    """Phone text in mixed formats and the E.164 key of each (0 for the garbage and foreign rows)."""
    npa = rng.choice(npas, n)
    line = rng.integers(0, 10000, n)
    fmt = rng.integers(0, PHONE_FORMATS, n)
    key = (np.uint64(10_000_000_000) + npa.astype(np.uint64) * np.uint64(10_000_000)
           + np.uint64(5_550_000) + line.astype(np.uint64))  # fmt: skip
    df = pl.DataFrame({"npa": npa.astype(str), "line": line, "fmt": fmt})
    line4 = pl.col("line").cast(pl.String).str.zfill(4)
    npa_ = pl.col("npa")
    text = (
        pl.when(pl.col("fmt") == 0).then(pl.format("+1 ({}) 555-{}", npa_, line4))
        .when(pl.col("fmt") == 1).then(pl.format("({}) 555-{}", npa_, line4))
        .when(pl.col("fmt") == 2).then(pl.format("{}-555-{}", npa_, line4))
        .when(pl.col("fmt") == 3).then(pl.format("{}555{}", npa_, line4))
        .when(pl.col("fmt") == 4).then(pl.format("1-{}-555-{}", npa_, line4))
        .when(pl.col("fmt") == 5).then(pl.format("+1{}555{}", npa_, line4))
        .when(pl.col("fmt") == 6).then(pl.format("{}.555.{}", npa_, line4))
        .otherwise(pl.format("1 {} 555 {}", npa_, line4))
    )  # fmt: skip
    phones = df.select(text.alias("phone"))["phone"]
    # About 1% odd rows: garbage the scrub must keep and mark, and foreign drama numbers.
    odd = rng.random(n) < 0.01
    odd_rows = np.flatnonzero(odd)
    choices = np.array(["", "N/A", "call back later", "+44 7700 900123", "+33 6 39 98 00 12", "555-0199"])
    picked = rng.choice(choices, odd_rows.size)
    phones = phones.scatter(odd_rows, pl.Series(picked)) if odd_rows.size else phones
    key[odd] = 0
    return phones, key


def us_area_codes() -> list[int]:
    """Geographic US area codes (the ones a US campaign list is made of)."""
    found = []
    for npa in range(200, 1000):
        try:
            number = parse_number(f"+1{npa}5550100")
        except InputError:
            continue
        if number.region == "US" and number.kind is NumberKind.FIXED_OR_MOBILE and len(number.zones) < 3:
            found.append(npa)
    return found


def generate(path: Path, rows: int, seed: int = 7, chunk: int = 1_000_000) -> np.ndarray:
    """Write the campaign CSV; returns the E.164 key of each row (0 where not a US number)."""
    rng = np.random.default_rng(seed)
    npas = np.array(us_area_codes(), dtype=np.int64)
    keys = []
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        for start in range(0, rows, chunk):
            n = min(chunk, rows - start)
            phones, key = _phones(rng, n, npas)
            keys.append(key)
            street_no = rng.integers(1, 9999, n)
            apt = rng.integers(0, 40, n)
            created = (
                np.datetime64("2024-01-01T00:00:00")
                + rng.integers(0, 86400 * 700, n).astype("timedelta64[s]")
            ).astype("datetime64[ms]")
            frame = pl.DataFrame(
                {
                    "lead_id": np.arange(start + 1, start + n + 1),
                    "first_name": rng.choice(FIRST, n),
                    "last_name": rng.choice(LAST, n),
                    "phone": phones,
                    "email": None,
                    "street": None,
                    "city": rng.choice(CITIES, n),
                    "state": rng.choice(["NY", "CA", "TX", "FL", "IL", "OH", "WA"], n),
                    "zip": rng.integers(10000, 99999, n).astype(str),
                    "created_at": created,
                    "source": rng.choice(SOURCES, n),
                    "notes": pl.Series(rng.choice(["", "", "", "prefers evenings", 'said "call later"', "VIP, renewal due"], n)).replace("", None),
                }
            ).with_columns(
                pl.format("{}.{}@example.com", pl.col("first_name").str.to_lowercase(), pl.col("lead_id")).alias("email"),
                pl.when(pl.Series(apt) > 30)
                .then(pl.format("{} {} {}, Apt {}", pl.Series(street_no), pl.Series(rng.choice(STREETS, n)), pl.Series(rng.choice(KINDS, n)), pl.Series(apt)))
                .otherwise(pl.format("{} {} {}", pl.Series(street_no), pl.Series(rng.choice(STREETS, n)), pl.Series(rng.choice(KINDS, n))))
                .alias("street"),
            )  # fmt: skip
            frame.write_csv(out, include_header=start == 0, datetime_format="%Y-%m-%dT%H:%M:%S")
    return np.concatenate(keys) if keys else np.zeros(0, dtype=np.uint64)


def register_numbers(
    campaign_keys: np.ndarray, size: int, hit_rate: float = 0.05, seed: int = 11
) -> np.ndarray:
    """A sorted register of `size` numbers listing about `hit_rate` of the campaign's rows."""
    rng = np.random.default_rng(seed)
    # The list repeats numbers (the 555 exchange has 10,000 lines per area code): plant a share of the
    # distinct numbers, so that about `hit_rate` of the rows hit whatever their repetition.
    distinct = np.unique(campaign_keys[campaign_keys > 0])
    planted = np.sort(rng.choice(distinct, int(len(distinct) * hit_rate), replace=False))
    # Random numbers outside the 555 exchange, so they never collide with the campaign's numbers.
    npa = rng.integers(201, 990, size, dtype=np.int64)
    nxx = rng.integers(200, 999, size, dtype=np.int64)
    nxx[nxx == 555] = 556
    line = rng.integers(0, 10000, size, dtype=np.int64)
    filler = (10_000_000_000 + npa * 10_000_000 + nxx * 10_000 + line).astype(np.uint64)
    filler[: len(planted)] = planted
    filler.sort()
    return np.unique(filler)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--register", type=int, default=100_000_000)
    parser.add_argument("--out", type=Path, default=DATA)
    args = parser.parse_args()
    started = time.perf_counter()
    csv = args.out / f"campaign-{args.rows}.csv"
    keys = generate(csv, args.rows)
    reg = register_numbers(keys, args.register)
    np.save(args.out / f"register-{args.register}.npy", reg)
    hits = np.isin(keys, reg).mean() if args.rows <= 2_000_000 else float("nan")
    print(f"{csv} ({csv.stat().st_size / 1e6:.0f} MB), register of {len(reg):,} numbers, "
          f"hit rate {hits:.3f}, {time.perf_counter() - started:.0f} s")  # fmt: skip


if __name__ == "__main__":
    main()
