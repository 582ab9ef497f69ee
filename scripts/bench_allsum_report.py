#!/usr/bin/python3
"""The all_sum section of the benchmark report: reads DIR/dotnet-allsum-<launch>.csv (raw C MPI_Allreduce, AllSum,
AllSumInto, from `MlxMpi.Benchmark --op allsum`) and DIR/mpi4py-allsum-<launch>.csv (`bench_mpi4py.py --op allsum`),
takes the median over repeats of each variant's seconds per call (each already the maximum over ranks), and writes
DIR/allsum.md: one table per launch with the time of raw MPI_Allreduce and each variant's ratio to it (x raw: time /
raw time; the raw C floor runs in the same processes, interleaved repeat by repeat; mpi4py is a separate launch of
the same configuration). Also checks the issue's targets at 2 ranks: >= 0.95x raw bandwidth from 1 MiB, <= 1.8x at 8 B.

    /usr/bin/python3 scripts/bench_allsum_report.py results/bench-<stamp>/allsum
"""
import csv
import glob
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_mpi4py import format_bytes  # noqa: E402


def medians(path):
    values = {}
    with open(path) as f:
        for row in csv.DictReader(f):
            values.setdefault((row["variant"], int(row["bytes"])), []).append(float(row["seconds_per_call"]))
    return {key: statistics.median(v) for key, v in values.items()}


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else "."
    lines = ["## AllSum (float32) against raw C MPI_Allreduce", ""]
    targets = []
    for path in sorted(glob.glob(os.path.join(folder, "dotnet-allsum-*.csv"))):
        launch = os.path.basename(path)[len("dotnet-allsum-"):-len(".csv")]
        dotnet = medians(path)
        peer_path = os.path.join(folder, f"mpi4py-allsum-{launch}.csv")
        peer = medians(peer_path) if os.path.exists(peer_path) else {}
        sizes = sorted({b for (_, b) in dotnet})
        lines += [f"### {launch}", "",
                  "| bytes/rank | raw MPI_Allreduce us | AllSum us | AllSum x raw | AllSumInto us | Into x raw | mpi4py us | mpi4py x raw |",
                  "| --- | --- | --- | --- | --- | --- | --- | --- |"]
        for size in sizes:
            raw = dotnet[("raw_c_allreduce", size)]
            alloc = dotnet[("allsum", size)]
            into = dotnet[("allsum_into", size)]
            mpi4py = peer.get(("mpi4py_allreduce", size))
            peer_cells = f"{mpi4py * 1e6:.3f} | {mpi4py / raw:.2f}" if mpi4py else "- | -"
            lines.append(f"| {format_bytes(size)} | {raw * 1e6:.3f} | {alloc * 1e6:.3f} | {alloc / raw:.2f} | "
                         f"{into * 1e6:.3f} | {into / raw:.2f} | {peer_cells} |")
            if "-p2-" in launch:
                if size == 8:
                    targets.append(f"{launch} 8 B: AllSum {alloc / raw:.2f}x, AllSumInto {into / raw:.2f}x raw (target <= 1.8x): "
                                   f"{'met' if max(alloc, into) / raw <= 1.8 else 'MISSED'}")
                if size >= 1 << 20:
                    worst = raw / max(alloc, into)
                    targets.append(f"{launch} {format_bytes(size)}: bandwidth {worst:.3f}x raw at the slower form (target >= 0.95x): "
                                   f"{'met' if worst >= 0.95 else 'MISSED'}")
        lines.append("")
    if targets:
        lines += ["Targets (2 ranks):", ""] + [f"- {t}" for t in targets] + [""]
    text = "\n".join(lines)
    print(text)
    with open(os.path.join(folder, "allsum.md"), "w") as f:
        f.write(text + "\n")


if __name__ == "__main__":
    main()
