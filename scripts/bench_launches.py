#!/usr/bin/python3
"""The targets at 2 ranks as the median over several launches (`scripts/bench.sh --launches N`).

The VM this project measures on switches latency modes between launches (raw 8-byte MPI_Allgather 0.18 or 0.42 us),
so one launch's 8-byte ratio depends on the mode it drew. bench.sh's first launch of every configuration is the full
run (DIR); with --launches N it makes N - 1 more of each 2-rank configuration at the sizes the targets name, into
DIR/launches/<k>/ (and <k>/allsum/). This script takes, per launch, each variant's ratio to the raw C loop of the same
launch (median over the interleaved repeats of variant / raw, as bench_report.py does), then the median over the
launches, and writes DIR/launches.md with the target verdicts:

- all_gather: 8 B AllGatherInto <= 1.4x raw MPI_Allgather, AllGather <= 1.8x; 1 MiB and 16 MiB >= 0.95x raw bandwidth.
- all_sum: 8 B AllSum and AllSumInto <= 1.8x raw MPI_Allreduce; 1 MiB and 16 MiB >= 0.95x raw bandwidth.

    /usr/bin/python3 scripts/bench_launches.py results/bench-<stamp>
"""
import csv
import os
import statistics
import sys
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_mpi4py import format_bytes  # noqa: E402
from bench_report import config_of, name_of  # noqa: E402

MIB = 1 << 20
# (csv prefix, raw variant, [(variant, title, 8-byte limit)])
OPS = [
    ("dotnet", "raw_c", [("allgather", "AllGather", 1.8), ("allgather_into", "AllGatherInto", 1.4)]),
    ("dotnet-allsum", "raw_c_allreduce", [("allsum", "AllSum", 1.8), ("allsum_into", "AllSumInto", 1.8)]),
]
BANDWIDTH_SIZES = [MIB, 16 * MIB]


def launch_folders(folder):
    """(k, all_gather folder, all_sum folder) of launch 1 (the full run) and of every DIR/launches/<k>."""
    yield 1, folder, os.path.join(folder, "allsum")
    extra = os.path.join(folder, "launches")
    if os.path.isdir(extra):
        for name in sorted(os.listdir(extra), key=lambda n: (not n.isdigit(), int(n) if n.isdigit() else 0, n)):
            path = os.path.join(extra, name)
            if os.path.isdir(path):
                yield name, path, os.path.join(path, "allsum")


def ratios(path, raw_variant):
    """{(variant, bytes): median over repeats of variant / raw} for one launch's CSV."""
    samples = defaultdict(dict)
    with open(path) as f:
        for row in csv.DictReader(f):
            samples[(row["variant"], int(row["bytes"]))][int(row["repeat"])] = float(row["seconds_per_call"])
    result = {}
    for (variant, nbytes), repeats in samples.items():
        raw = samples.get((raw_variant, nbytes))
        if variant == raw_variant or not raw:
            continue
        common = [r for r in repeats if r in raw]
        if common:
            result[(variant, nbytes)] = statistics.median(repeats[r] / raw[r] for r in common)
    return result


def collect(folder):
    """per[(prefix, config)][(variant, bytes)] = [ratio of each launch that measured it]."""
    per = defaultdict(lambda: defaultdict(list))
    for _, gather_folder, sum_folder in launch_folders(folder):
        for prefix, raw_variant, _ in OPS:
            where = sum_folder if prefix == "dotnet-allsum" else gather_folder
            if not os.path.isdir(where):
                continue
            for name in sorted(os.listdir(where)):
                if not (name.startswith(prefix + "-") and name.endswith(".csv")):
                    continue
                config = config_of(name[len(prefix) + 1:-4])
                if config is None or config[1] != 2:
                    continue
                for key, value in ratios(os.path.join(where, name), raw_variant).items():
                    per[(prefix, config)][key].append(value)
    return per


def report(per):
    lines = ["# Targets at 2 ranks, median over launches", "",
             "x raw = time / the raw C collective of the same launch (median over its interleaved repeats); each cell "
             "lists every launch's ratio, then their median. Bandwidth >= 0.95x raw means x raw <= 1.053.", ""]
    verdicts = []
    for prefix, _, variants in OPS:
        op = "all_sum" if prefix == "dotnet-allsum" else "all_gather"
        configs = sorted(config for p, config in per if p == prefix)
        if not configs:
            continue
        lines += [f"## {op}", "", "| launch configuration | " + " | ".join(
            f"{title} {format_bytes(b)}" for b in [8] + BANDWIDTH_SIZES for _, title, _ in variants) + " |",
            "|---|" + "---:|" * (len(variants) * (1 + len(BANDWIDTH_SIZES)))]
        for config in configs:
            found = per[(prefix, config)]
            cells = []
            for nbytes in [8] + BANDWIDTH_SIZES:
                for variant, title, limit in variants:
                    values = found.get((variant, nbytes), [])
                    if not values:
                        cells.append("-")
                        continue
                    median = statistics.median(values)
                    cells.append(", ".join(f"{v:.2f}" for v in values) + f" -> **{median:.2f}**")
                    bound = limit if nbytes == 8 else 1 / 0.95
                    target = f"<= {limit}x raw" if nbytes == 8 else ">= 0.95x raw bandwidth"
                    verdicts.append(f"- {'PASS' if median <= bound else 'MISS'}: {name_of(config)}: {format_bytes(nbytes)} "
                                    f"{title} = {median:.2f}x raw, median of {len(values)} launches (target {target})")
            lines.append(f"| {name_of(config)} | " + " | ".join(cells) + " |")
        lines.append("")
    return lines + ["## Verdicts", ""] + verdicts + [""]


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else "."
    text = "\n".join(report(collect(folder)))
    with open(os.path.join(folder, "launches.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
