#!/usr/bin/python3
"""Merges one benchmark run's CSVs into tables, a summary CSV, plots and report.md.

    /usr/bin/python3 scripts/bench_report.py results/bench-<date> [--command "scripts/bench.sh"]

Reads, in that folder: dotnet-p<ranks>.csv (variants raw_c, allgather, allgather_into, one mpiexec run
per rank count), mpi4py-p<ranks>.csv (a separate mpiexec run, when present), their .txt companions,
overlap-p<ranks>.csv (the async overlap measurement of the dotnet run, when present) and machine.txt. Writes summary.csv, report.md and allgather-p<ranks>.png (matplotlib, when
installed), and prints the tables and the target check.

Definitions: a sample is seconds per call (averaged over the iterations on each rank, maximum over
ranks); a variant's figure at a size is the median of its repeats; GB/s = ranks x bytes per rank /
seconds / 1e9 (the bytes each rank holds after the gather, per second). "x raw" is time / raw C time
(the inverse of the bandwidth ratio): for AllGather and AllGatherInto, measured in the same run and
interleaved repeat by repeat, it is the median of the per-repeat ratios; for mpi4py, measured in a
separate run, the ratio of the medians.
"""
import argparse
import csv
import os
import statistics
import sys
from collections import defaultdict

VARIANTS = [  # csv name, title, paired with raw_c in the same run
    ("raw_c", "raw C MPI_Allgather", True),
    ("allgather", "Distributed.AllGather", True),
    ("allgather_into", "Distributed.AllGatherInto", True),
    ("mpi4py", "mpi4py Comm.Allgather", False),
]
TITLES = {name: title for name, title, _ in VARIANTS}


def format_bytes(n):
    if n >= 1 << 20 and n % (1 << 20) == 0:
        return f"{n >> 20} MiB"
    if n >= 1 << 10 and n % (1 << 10) == 0:
        return f"{n >> 10} KiB"
    return f"{n} B"


def load(folder):
    """samples[ranks][variant][bytes] = {repeat: seconds}; iterations[(ranks, variant, bytes)] = count."""
    samples = defaultdict(lambda: defaultdict(lambda: defaultdict(dict)))
    iterations = {}
    for name in sorted(os.listdir(folder)):
        if not (name.endswith(".csv") and (name.startswith("dotnet-p") or name.startswith("mpi4py-p"))):
            continue
        with open(os.path.join(folder, name)) as f:
            for row in csv.DictReader(f):
                key = (int(row["ranks"]), row["variant"], int(row["bytes"]))
                samples[key[0]][key[1]][key[2]][int(row["repeat"])] = float(row["seconds_per_call"])
                iterations[key] = int(row["iterations"])
    return samples, iterations


OVERLAP_WORK = ["cpu", "wait"]  # the kinds of work in overlap-p*.csv's work column ("none": gather, async_only)


def load_overlap(folder):
    """overlap[ranks][bytes] = {"gather": s, "async_only": s, "cpu": {...}, "wait": {...}}: medians of seconds per
    iteration; each kind holds work_alone, sequential, overlapped and its setting (passes or requested us). {} if no
    overlap-p*.csv. A CSV from before the wait kind (no work column, mode "compute") reads as cpu work."""
    repeats = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    settings = {}
    for name in sorted(os.listdir(folder)):
        if not (name.startswith("overlap-p") and name.endswith(".csv")):
            continue
        with open(os.path.join(folder, name)) as f:
            for row in csv.DictReader(f):
                ranks, nbytes, mode = int(row["ranks"]), int(row["bytes"]), row["mode"]
                mode = "work_alone" if mode == "compute" else mode
                work = row.get("work") or ("none" if mode in ("gather", "async_only") else "cpu")
                repeats[ranks][nbytes][(work, mode)].append(float(row["seconds_per_iteration"]))
                if work == "cpu":
                    settings[(ranks, nbytes, work)] = f"{int(row['compute_passes'])} passes"
                elif work == "wait":
                    settings[(ranks, nbytes, work)] = f"ask {float(row['wait_request_us']):.0f} us"
    overlap = defaultdict(dict)
    for ranks, by_size in repeats.items():
        for nbytes, by_mode in by_size.items():
            figures = {kind: {"setting": settings.get((ranks, nbytes, kind), "")} for kind in OVERLAP_WORK}
            for (work, mode), values in by_mode.items():
                (figures if work == "none" else figures[work])[mode] = statistics.median(values)
            overlap[ranks][nbytes] = {k: v for k, v in figures.items() if not isinstance(v, dict) or len(v) > 1}
    return overlap


def overlap_table(by_size):
    """A markdown table of one rank count's overlap figures, a row per size and kind of work; hand-off, overlap and
    speed-up from the medians."""
    lines = ["| bytes/rank | work | setting | gather us | async only us | hand-off us | work alone us | sequential us "
             "| overlapped us | overlap | speed-up |", "|---:|---|---:|" + "---:|" * 8]

    def us(value):
        return "" if value is None else f"{value * 1e6:.1f}"

    for nbytes in sorted(by_size):
        f = by_size[nbytes]
        gather, async_only = f.get("gather"), f.get("async_only")
        handoff = None if gather is None or async_only is None else async_only - gather
        for kind in OVERLAP_WORK:
            if kind not in f:
                continue
            k = f[kind]
            cells = [format_bytes(nbytes), kind, k["setting"], us(gather), us(async_only), us(handoff)]
            cells += [us(k.get(mode)) for mode in ("work_alone", "sequential", "overlapped")]
            if gather is not None and all(mode in k for mode in ("work_alone", "sequential", "overlapped")):
                cells.append(f"{(k['sequential'] - k['overlapped']) / min(gather, k['work_alone']):.2f}")
                cells.append(f"{k['sequential'] / k['overlapped']:.2f}")
            else:
                cells += ["", ""]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


OVERLAP_METHOD = (
    "Per size, the gather and two kinds of work on the caller's thread, each calibrated to last about as long as the "
    "gather: cpu = passes of x = 0.999 x + 0.001 over a 16 KiB float[] (needs the caller's core all the time); wait = "
    "a clock_nanosleep of a requested time, corrected for the measured oversleep (needs no core while it lasts, like "
    "a blocking wait for a GPU kernel or I/O). Timed per iteration (per-rank average, maximum over ranks, median of "
    "the interleaved, rotated repeats): gather = AllGather alone; async only = AllGatherAsync waited for at once "
    "(hand-off = async only - gather: waking the collective thread and the caller again); work alone; sequential = "
    "work, then AllGather; overlapped = AllGatherAsync, work, then wait for the result. overlap = (sequential - "
    "overlapped) / min(gather, work alone): 1 means the gather ran entirely behind the work, 0 not at all, below 0 "
    "that overlapping cost more than doing one after the other. speed-up = sequential / overlapped. On a machine with "
    "no core to spare per rank, cpu work competes with the gather for cores; wait work shows whether the caller's "
    "thread is free while the gather runs.")


def read_text(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return ""


def summarise(samples, iterations):
    """rows of the summary CSV, and figures[ranks][variant][bytes] = (median s, x raw, x mpi4py)."""
    rows = []
    figures = defaultdict(lambda: defaultdict(dict))
    for ranks in sorted(samples):
        by_variant = samples[ranks]
        raw = by_variant.get("raw_c", {})
        mpi = by_variant.get("mpi4py", {})
        for name, _, paired in VARIANTS:
            for nbytes in sorted(by_variant.get(name, {})):
                repeats = by_variant[name][nbytes]
                values = list(repeats.values())
                median = statistics.median(values)
                x_raw = None
                if nbytes in raw:
                    if paired:
                        x_raw = statistics.median(repeats[r] / raw[nbytes][r] for r in repeats if r in raw[nbytes])
                    else:
                        x_raw = median / statistics.median(raw[nbytes].values())
                x_mpi = median / statistics.median(mpi[nbytes].values()) if nbytes in mpi else None
                figures[ranks][name][nbytes] = (median, x_raw, x_mpi)
                rows.append({
                    "ranks": ranks, "variant": name, "bytes": nbytes, "repeats": len(values),
                    "iterations": iterations[(ranks, name, nbytes)],
                    "median_us": f"{median * 1e6:.4f}", "min_us": f"{min(values) * 1e6:.4f}",
                    "max_us": f"{max(values) * 1e6:.4f}",
                    "gbps": f"{ranks * nbytes / median / 1e9:.4f}",
                    "x_raw": "" if x_raw is None else f"{x_raw:.4f}",
                    "x_mpi4py": "" if x_mpi is None else f"{x_mpi:.4f}",
                })
    return rows, figures


def table(ranks, figures):
    """A markdown table: per size, us / GB/s / x raw for every variant present, and MlxMpi vs mpi4py."""
    present = [name for name, _, _ in VARIANTS if figures[ranks].get(name)]
    sizes = sorted({b for name in present for b in figures[ranks][name]})
    header = ["bytes/rank"]
    for name in present:
        header += [f"{TITLES[name]} us", "GB/s"] + ([] if name == "raw_c" else ["x raw"])
    if "mpi4py" in present:
        header += ["AllGather / mpi4py", "Into / mpi4py"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---:|" * len(header)]
    for nbytes in sizes:
        cells = [format_bytes(nbytes)]
        for name in present:
            fig = figures[ranks][name].get(nbytes)
            if fig is None:
                cells += ["", ""] + ([] if name == "raw_c" else [""])
                continue
            median, x_raw, _ = fig
            cells += [f"{median * 1e6:.3f}", f"{ranks * nbytes / median / 1e9:.3f}"]
            if name != "raw_c":
                cells.append("" if x_raw is None else f"{x_raw:.2f}")
        if "mpi4py" in present:
            for name in ("allgather", "allgather_into"):
                fig = figures[ranks].get(name, {}).get(nbytes)
                cells.append("" if fig is None or fig[2] is None else f"{fig[2]:.2f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def model_check(ranks, figures, slot=64, inline=24):
    """The cost model against one run: MlxMpi = header phase (raw MPI_Allgather of the 64-byte slot) + data phase
    (raw MPI_Allgather of N, only when N > 24 B, the inline room of a 1-D array) + a managed overhead o. The raw
    times come from the same run; o is what is left over, and should be small and roughly constant."""
    raw = figures[ranks].get("raw_c", {})
    if slot not in raw:
        return None
    lines = ["| bytes/rank | raw C (N) us | raw C (64 B) us | model: MPI part us | AllGatherInto us | o (Into) us "
             "| AllGather us | o (AllGather) us |", "|" + "---:|" * 8]
    for nbytes in sorted(raw):
        mpi_part = raw[slot][0] + (raw[nbytes][0] if nbytes > inline else 0.0)
        cells = [format_bytes(nbytes), f"{raw[nbytes][0] * 1e6:.3f}", f"{raw[slot][0] * 1e6:.3f}", f"{mpi_part * 1e6:.3f}"]
        for name in ("allgather_into", "allgather"):
            fig = figures[ranks].get(name, {}).get(nbytes)
            cells += ["", ""] if fig is None else [f"{fig[0] * 1e6:.3f}", f"{(fig[0] - mpi_part) * 1e6:+.3f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def target_check(figures):
    """The issue's targets at 2 ranks, each with its figure and PASS or MISS."""
    if 2 not in figures:
        return ["(no 2-rank run: targets not checked)"]
    f = figures[2]
    lines = []

    def check(ok, text):
        lines.append(f"- {'PASS' if ok else 'MISS'}: {text}")

    for name, limit in (("allgather", 1.5), ("allgather_into", 1.2)):
        fig = f.get(name, {}).get(8)
        if fig and fig[1] is not None:
            check(fig[1] <= limit, f"8 B {TITLES[name]} = {fig[1]:.2f}x raw C (target <= {limit}x)")
    for name in ("allgather", "allgather_into"):
        big = [(b, fig) for b, fig in sorted(f.get(name, {}).items()) if b >= 256 << 10 and fig[1] is not None]
        if big:
            worst_bytes, worst = min(big, key=lambda item: 1 / item[1][1])
            check(all(1 / fig[1] >= 0.95 for _, fig in big),
                  f">= 256 KiB {TITLES[name]}: lowest bandwidth {1 / worst[1]:.3f}x raw C at {format_bytes(worst_bytes)} "
                  f"(target >= 0.95x at every size)")
    if f.get("mpi4py"):
        for name in ("allgather", "allgather_into"):
            ratios = [(b, fig[2]) for b, fig in sorted(f.get(name, {}).items()) if fig[2] is not None]
            if ratios:
                worst_bytes, worst = max(ratios, key=lambda item: item[1])
                check(all(r < 1 for _, r in ratios),
                      f"{TITLES[name]} vs mpi4py: slowest relative figure {worst:.2f}x mpi4py's time at "
                      f"{format_bytes(worst_bytes)} (target < 1 at every size)")
    else:
        lines.append("- mpi4py not measured (python3-mpi4py missing): the mpi4py target is not checked")
    return lines


def plot(folder, ranks, figures, stamp):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    fig, (latency, bandwidth) = plt.subplots(1, 2, figsize=(12, 4.8))
    styles = {"raw_c": ("k", "o"), "allgather": ("tab:blue", "s"), "allgather_into": ("tab:green", "^"),
              "mpi4py": ("tab:red", "x")}
    for name, title, _ in VARIANTS:
        data = figures[ranks].get(name)
        if not data:
            continue
        sizes = sorted(data)
        seconds = [data[b][0] for b in sizes]
        color, marker = styles[name]
        label = title + (" (separate run)" if name == "mpi4py" else "")
        latency.plot(sizes, [s * 1e6 for s in seconds], color=color, marker=marker, label=label)
        bandwidth.plot(sizes, [ranks * b / s / 1e9 for b, s in zip(sizes, seconds)], color=color, marker=marker, label=label)
    for axis, ylabel in ((latency, "time per call (us)"), (bandwidth, "GB/s (ranks x bytes / time)")):
        axis.set_xscale("log", base=2)
        axis.set_yscale("log")
        axis.set_xlabel("bytes per rank")
        axis.set_ylabel(ylabel)
        axis.grid(True, which="both", alpha=0.3)
    latency.legend(fontsize=8)
    fig.suptitle(f"all_gather, {ranks} ranks{' (oversubscribed)' if ranks > 2 else ''}: median of repeats, "
                 f"max over ranks - {stamp}")
    fig.tight_layout()
    path = os.path.join(folder, f"allgather-p{ranks}.png")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder")
    parser.add_argument("--command", default="scripts/bench.sh", help="the command that produced the run, for the report")
    args = parser.parse_args()

    samples, iterations = load(args.folder)
    if not samples:
        sys.exit(f"bench_report: no dotnet-p*.csv or mpi4py-p*.csv in {args.folder}")
    rows, figures = summarise(samples, iterations)
    with open(os.path.join(args.folder, "summary.csv"), "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)

    machine = read_text(os.path.join(args.folder, "machine.txt"))
    stamp = next((line.split(":", 1)[1].strip() for line in machine.splitlines() if line.startswith("date:")),
                 os.path.basename(os.path.abspath(args.folder)))
    interference = read_text(os.path.join(args.folder, "interference.txt"))
    report = [f"# all_gather benchmark, {stamp}", "", f"Reproduce: `{args.command}`", "", "## Machine", "", "```",
              machine or "(machine.txt missing)", "```", "", "Other processes during the runs "
              "(scripts/bench_monitor.py):", "", "```", interference or "(not recorded)", "```", "",
              __doc__.split("Definitions: ", 1)[1].strip(), ""]
    for ranks in sorted(figures):
        report += [f"## {ranks} ranks{' (oversubscribed on 2 cores)' if ranks > 2 else ''}", ""]
        for prefix in ("dotnet", "mpi4py"):
            meta = read_text(os.path.join(args.folder, f"{prefix}-p{ranks}.txt")).split("\n\n")[0]
            if meta:
                report += [f"{prefix} run: " + "; ".join(meta.splitlines()), ""]
        if not figures[ranks].get("mpi4py"):
            report += ["mpi4py: not measured (python3-mpi4py is not installed).", ""]
        report += [table(ranks, figures), ""]
        check = model_check(ranks, figures)
        if check:
            report += ["Cost model check: MPI part = raw C time of the 64-byte header slot + raw C time of N when "
                       "N > 24 B (inline payloads need no data phase); o = measured - MPI part.", "", check, ""]
        path = plot(args.folder, ranks, figures, stamp)
        if path:
            report += [f"![{ranks} ranks]({os.path.basename(path)})", ""]
        else:
            report += ["(no plot: python3-matplotlib is not installed)", ""]
    overlap = load_overlap(args.folder)
    if overlap:
        report += ["## Async overlap", "", OVERLAP_METHOD, ""]
        for ranks in sorted(overlap):
            report += [f"{ranks} ranks{' (oversubscribed on 2 cores)' if ranks > 2 else ''}:", "",
                       overlap_table(overlap[ranks]), ""]
    report += ["## Targets (2 ranks)", ""] + target_check(figures) + [""]
    text = "\n".join(report)
    with open(os.path.join(args.folder, "report.md"), "w") as f:
        f.write(text)

    for ranks in sorted(figures):
        print(f"\n{ranks} ranks (us = median time per call; x raw = time / raw C time)")
        print(table(ranks, figures))
    for ranks in sorted(overlap):
        print(f"\nAsync overlap, {ranks} ranks (us per iteration; overlap = (sequential - overlapped) / min(gather, work alone))")
        print(overlap_table(overlap[ranks]))
    print("\nTargets (2 ranks):")
    print("\n".join(target_check(figures)))
    print(f"\nwrote {os.path.join(args.folder, 'report.md')}, summary.csv and the plots")


if __name__ == "__main__":
    main()
