"""Register index benchmark: import a `lines` file of random US numbers, then test membership in bulk.

    python bench/registers.py                 # 100 million numbers (about 1.1 GB of text, 200 MB of index)
    python bench/registers.py --size 10000000 # a quick run

Prints import numbers/s, bytes per number at rest, resident memory of the index, membership numbers/s
for 10 million probes (about 5% on the register) and the process's peak memory, each next to its target
from issue 4, os.cpu_count(), and the host's speed at random reads against the machines the targets were
set on (see memory_yardstick). The data (bench/.data/) is generated on first use and deleted at the
end unless --keep is given. The machine may be shared: the load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from dialgate.bootstrap import build
from dialgate.config import Settings
from dialgate.services.registry import SnapshotRequest, import_snapshot
from gen_registers import DATA, national_numbers, paths

TARGETS = {"import": 10e6, "bytes": 2.5, "membership": 25e6}
REFERENCE_BITMAP = 34e6  # the yardstick on the machines the targets were set on: 32-36 M/s (research)


def memory_yardstick(probes: np.ndarray, listed: np.ndarray) -> float:
    """This host's speed at random reads, as ../shared/research/performance-limits.md measured it: a
    bitmap over the 10^10 national numbers (1.25 GB), probed with numpy gather in 64K chunks. Membership
    is bound by memory, not by the core, so hosts differ here as they do not in the check's yardstick.
    Every page is written first: untouched zero pages all map to one page and would read from cache."""
    bits = np.empty(10**10 // 8, np.uint8)
    bits.fill(0)
    national = listed.astype(np.int64) - 10_000_000_000
    np.bitwise_or.at(bits, national >> 3, np.left_shift(1, national & 7).astype(np.uint8))
    best, found = float("inf"), 0
    for _ in range(3):
        start, found = time.perf_counter(), 0
        for at in range(0, probes.size, 1 << 16):
            chunk = probes[at : at + (1 << 16)].astype(np.int64) - 10_000_000_000
            found += int(np.count_nonzero((bits[chunk >> 3] >> (chunk & 7).astype(np.uint8)) & 1))
        best = min(best, time.perf_counter() - start)
    assert found >= listed.size * 0.9, "the yardstick's bitmap lost its bits"
    return probes.size / best


def resident_bytes_of(path: Path) -> int:
    """Resident set of the mappings of `path` in this process (from /proc/self/smaps)."""
    total, inside = 0, False
    with open("/proc/self/smaps") as smaps:
        for line in smaps:
            if "-" in line.split(" ", 1)[0] and len(line.split()) >= 5:
                inside = line.rstrip().endswith(str(path))
            elif inside and line.startswith("Rss:"):
                total += int(line.split()[1]) * 1024
    return total


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=100_000_000, help="numbers in the register")
    parser.add_argument("--probes", type=int, default=10_000_000, help="numbers to test for membership")
    parser.add_argument("--hit-rate", type=float, default=0.05)
    parser.add_argument("--runs", type=int, default=3, help="membership runs (the median is shown)")
    parser.add_argument("--keep", action="store_true", help="keep the generated data in bench/.data/")
    args = parser.parse_args()

    text_path, sample_path = paths(args.size)
    if not text_path.exists():
        print(f"generating {args.size:,} numbers into {text_path} …", flush=True)
        subprocess.run(
            [sys.executable, str(Path(__file__).parent / "gen_registers.py"), "--size", str(args.size)],
            check=True,
        )
    data_dir = DATA / f"store-{args.size}"
    shutil.rmtree(data_dir, ignore_errors=True)
    container = build(Settings(data_dir=data_dir))
    rt = container.runtime
    try:
        warm = DATA / "warm.txt"
        warm.write_text("2025550100\n")
        import_snapshot(rt, SnapshotRequest(name="WARMUP", path=warm, region="US"))  # compile the kernels
        os.sync()

        started, cpu_started = time.perf_counter(), time.process_time()
        result = import_snapshot(rt, SnapshotRequest(name="US-DNC", path=text_path))
        import_seconds = time.perf_counter() - started
        import_cpu = time.process_time() - cpu_started
        info = result.record.info
        import_rate = args.size / import_seconds
        at_rest = result.record.index_bytes / info.count

        snapshot = rt.registers.current("US-DNC")
        rng = np.random.default_rng(7)
        sample = np.load(sample_path)
        hits = rng.choice(sample, int(args.probes * args.hit_rate))
        misses = national_numbers(rng, args.probes - hits.size) + 10_000_000_000
        probes = rng.permutation(np.concatenate((hits, misses))).astype(np.uint64)
        snapshot.lookup(probes[:1000])
        times, cpu_times = [], []
        for _ in range(args.runs):
            t, c = time.perf_counter(), time.process_time()
            answer = snapshot.lookup(probes)
            times.append(time.perf_counter() - t)
            cpu_times.append(time.process_time() - c)
        membership = args.probes / sorted(times)[len(times) // 2]
        membership_cpu = args.probes / sorted(cpu_times)[len(cpu_times) // 2]
        index_path = rt.register_files.path_of(result.record.index_path)  # type: ignore[union-attr]
        resident = resident_bytes_of(index_path)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # before the yardstick's bitmap
        load = os.getloadavg()
        yardstick = memory_yardstick(probes, np.unique(hits))

        print()
        print(f"register index benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
        print(
            f"os.cpu_count()           {os.cpu_count()}   load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
        )
        print(
            f"register                 {args.size:,} random US numbers ({text_path.stat().st_size / 1e9:.2f} GB `lines` file), {info.count:,} distinct"
        )
        print(
            f"import                   {import_rate / 1e6:6.1f} M numbers/s  ({import_seconds:.1f} s wall; {args.size / import_cpu / 1e6:.1f} M/s per CPU-second over all threads)   target >= {TARGETS['import'] / 1e6:.0f} M/s"
        )
        print(
            f"at rest                  {at_rest:6.3f} bytes/number ({result.record.index_bytes / 1e6:.0f} MB)   target <= {TARGETS['bytes']}"
        )
        print(
            f"index resident (mmap)    {resident / 1e6:6.0f} MB, shared by every process mapping it (page cache)"
        )
        print(
            f"membership               {membership / 1e6:6.1f} M numbers/s  ({args.probes:,} probes, {answer.member.mean():.1%} hits; wall runs {', '.join(f'{args.probes / t / 1e6:.1f}' for t in times)}; {membership_cpu / 1e6:.1f} M/s per CPU-second, one thread)   target >= {TARGETS['membership'] / 1e6:.0f} M/s"
        )
        print(f"peak memory (RSS)        {peak / 1e6:6.0f} MB (import buffer + probes + index pages)")
        print(
            f"host yardstick           {yardstick / 1e6:6.1f} M numbers/s from a 1.25 GB bitmap (numpy gather, best of 3); "
            f"the machines the targets were set on: 32-36 M/s, so this host reads at {yardstick / REFERENCE_BITMAP:.1f}x theirs"
        )
    finally:
        container.close()
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)
            for path in (text_path, sample_path, DATA / "warm.txt"):
                path.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
