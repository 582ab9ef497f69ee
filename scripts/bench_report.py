#!/usr/bin/python3
"""Merges one benchmark run's CSVs into tables, a summary CSV, plots and report.md.

    /usr/bin/python3 scripts/bench_report.py results/bench-<date> [--command "scripts/bench.sh"]

Reads, in that folder, per launch configuration <name> = <mpi>-p<ranks>-<binding> (openmpi-p2-core, ...; an older
run's plain p<ranks> reads as openmpi-p<ranks>-none): dotnet-<name>.csv (variants raw_c, allgather, allgather_into,
and under MPICH mpinet_flattened_into and mpinet_flattened, one launch), mpi4py-<name>.csv (a separate launch, when
present), their .txt companions, overlap-<name>.csv (the async overlap measurement of the dotnet launch, when
present) and machine.txt. Writes summary.csv, report.md and allgather-<name>.png (matplotlib, when installed), and
prints the tables and the target check.

Definitions: a sample is seconds per call (averaged over the iterations on each rank, maximum over
ranks); a variant's figure at a size is the median of its repeats; GB/s = ranks x bytes per rank /
seconds / 1e9 (the bytes each rank holds after the gather, per second). "x raw" is time / raw C time
(the inverse of the bandwidth ratio): for AllGather and AllGatherInto, measured in the same run and
interleaved repeat by repeat, it is the median of the per-repeat ratios (so are the MPI.NET variants' and the
"/ MPI.NET" columns, measured in the same launch); for mpi4py, measured in a separate launch of the same
configuration, the ratio of the medians.
"""
import argparse
import csv
import os
import re
import statistics
import sys
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_mpi4py import format_bytes  # noqa: E402  (one spelling of sizes for every report; mpi4py loads only in its main)

VARIANTS = [  # csv name, title, paired with raw_c in the same run
    ("raw_c", "raw C MPI_Allgather", True),
    ("allgather", "Distributed.AllGather", True),
    ("allgather_into", "Distributed.AllGatherInto", True),
    ("mpinet_flattened_into", "MPI.NET AllgatherFlattened (reused output)", True),
    ("mpinet_flattened", "MPI.NET AllgatherFlattened (new array)", True),
    ("mpi4py", "mpi4py Comm.Allgather", False),
]
TITLES = {name: title for name, title, _ in VARIANTS}
# Each MlxMpi variant against the MPI.NET variant that does the same (into a reused output, into a new array).
MPINET_PEER = {"allgather_into": "mpinet_flattened_into", "allgather": "mpinet_flattened"}
MPI_TITLES = {"openmpi": "Open MPI", "mpich": "MPICH"}
LABEL = re.compile(r"^(?:(openmpi|mpich)-)?p(\d+)(?:-(core|none))?$")


def config_of(label):
    """(mpi, ranks, binding) of a launch name, or None."""
    m = LABEL.match(label)
    return None if m is None else (m.group(1) or "openmpi", int(m.group(2)), m.group(3) or "none")


def name_of(config):
    mpi, ranks, bind = config
    return f"{mpi}-p{ranks}-{bind}"


def title_of(config):
    mpi, ranks, bind = config
    return f"{MPI_TITLES[mpi]}, {ranks} ranks{' (oversubscribed on 2 cores)' if ranks > 2 else ''}, bind to {bind}"


def csv_files(folder, prefix):
    """(config, path) of every <prefix>-<name>.csv in folder."""
    for name in sorted(os.listdir(folder)):
        if name.startswith(prefix + "-") and name.endswith(".csv"):
            config = config_of(name[len(prefix) + 1:-4])
            if config is not None:
                yield config, os.path.join(folder, name)


def load(folder):
    """samples[config][variant][bytes] = {repeat: seconds}; iterations[(config, variant, bytes)] = count."""
    samples = defaultdict(lambda: defaultdict(lambda: defaultdict(dict)))
    iterations = {}
    for prefix in ("dotnet", "mpi4py"):
        for config, path in csv_files(folder, prefix):
            with open(path) as f:
                for row in csv.DictReader(f):
                    key = (config, row["variant"], int(row["bytes"]))
                    samples[config][key[1]][key[2]][int(row["repeat"])] = float(row["seconds_per_call"])
                    iterations[key] = int(row["iterations"])
    return samples, iterations


OVERLAP_WORK = ["cpu", "wait"]  # the kinds of work in overlap-p*.csv's work column ("none": gather, async_only)


def load_overlap(folder):
    """overlap[config][bytes] = {"gather": s, "async_only": s, "cpu": {...}, "wait": {...}}: medians of seconds per
    iteration; each kind holds work_alone, sequential, overlapped and its setting (passes or requested us). {} if no
    overlap-p*.csv. A CSV from before the wait kind (no work column, mode "compute") reads as cpu work."""
    repeats = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    settings = {}
    for config, path in csv_files(folder, "overlap"):
        with open(path) as f:
            for row in csv.DictReader(f):
                ranks, nbytes, mode = config, int(row["bytes"]), row["mode"]
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


def paired_ratio(a, b):
    """Median over the repeats both have of a's time / b's time (same launch, interleaved)."""
    common = [r for r in a if r in b]
    return statistics.median(a[r] / b[r] for r in common) if common else None


def summarise(samples, iterations):
    """rows of the summary CSV, and figures[config][variant][bytes] = (median s, x raw, x mpi4py, x MPI.NET)."""
    rows = []
    figures = defaultdict(lambda: defaultdict(dict))
    for config in sorted(samples):
        ranks = config[1]
        by_variant = samples[config]
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
                peer = by_variant.get(MPINET_PEER.get(name), {})
                x_net = paired_ratio(repeats, peer[nbytes]) if nbytes in peer else None
                figures[config][name][nbytes] = (median, x_raw, x_mpi, x_net)
                rows.append({
                    "mpi": config[0], "ranks": ranks, "binding": config[2], "variant": name, "bytes": nbytes,
                    "repeats": len(values), "iterations": iterations[(config, name, nbytes)],
                    "median_us": f"{median * 1e6:.4f}", "min_us": f"{min(values) * 1e6:.4f}",
                    "max_us": f"{max(values) * 1e6:.4f}",
                    "gbps": f"{ranks * nbytes / median / 1e9:.4f}",
                    "x_raw": "" if x_raw is None else f"{x_raw:.4f}",
                    "x_mpi4py": "" if x_mpi is None else f"{x_mpi:.4f}",
                    "x_mpinet": "" if x_net is None else f"{x_net:.4f}",
                })
    return rows, figures


def table(config, figures):
    """A markdown table: per size, us / GB/s / x raw for every variant present, and MlxMpi vs mpi4py and MPI.NET."""
    ranks = config[1]
    present = [name for name, _, _ in VARIANTS if figures[config].get(name)]
    sizes = sorted({b for name in present for b in figures[config][name]})
    header = ["bytes/rank"]
    for name in present:
        header += [f"{TITLES[name]} us", "GB/s"] + ([] if name == "raw_c" else ["x raw"])
    if "mpi4py" in present:
        header += ["AllGather / mpi4py", "Into / mpi4py"]
    if "mpinet_flattened" in present:
        header += ["AllGather / MPI.NET", "Into / MPI.NET"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---:|" * len(header)]
    for nbytes in sizes:
        cells = [format_bytes(nbytes)]
        for name in present:
            fig = figures[config][name].get(nbytes)
            if fig is None:
                cells += ["", ""] + ([] if name == "raw_c" else [""])
                continue
            median, x_raw = fig[0], fig[1]
            cells += [f"{median * 1e6:.3f}", f"{ranks * nbytes / median / 1e9:.3f}"]
            if name != "raw_c":
                cells.append("" if x_raw is None else f"{x_raw:.2f}")
        for peer, index in (("mpi4py", 2), ("mpinet_flattened", 3)):
            if peer in present:
                for name in ("allgather", "allgather_into"):
                    fig = figures[config].get(name, {}).get(nbytes)
                    cells.append("" if fig is None or fig[index] is None else f"{fig[index]:.2f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def model_check(config, figures, slot=64, inline=24, grown_inline=1048):
    """The cost model against one run: MlxMpi = header phase + data phase + a managed overhead o. Up to 24 B (the
    64-byte slot's room for a 1-D array) the header is all: raw MPI_Allgather of 64 bytes. Up to 1048 B the group's
    slot grows to hold the payload (src/MlxMpi/Collectives/SlotSizing.cs; the benchmark repeats one size, so every
    timed call runs at the grown slot): one collective of the payload plus a 40-byte description, costed here as the
    raw gather of N. Above, the 64-byte header plus the raw gather of N. The raw times come from the same run; o is
    what is left over, and should be small and roughly constant."""
    raw = figures[config].get("raw_c", {})
    if slot not in raw:
        return None
    lines = ["| bytes/rank | raw C (N) us | raw C (64 B) us | model: MPI part us | AllGatherInto us | o (Into) us "
             "| AllGather us | o (AllGather) us |", "|" + "---:|" * 8]
    for nbytes in sorted(raw):
        if nbytes <= inline:
            mpi_part = raw[slot][0]
        elif nbytes <= grown_inline:
            mpi_part = raw[nbytes][0]
        else:
            mpi_part = raw[slot][0] + raw[nbytes][0]
        cells = [format_bytes(nbytes), f"{raw[nbytes][0] * 1e6:.3f}", f"{raw[slot][0] * 1e6:.3f}", f"{mpi_part * 1e6:.3f}"]
        for name in ("allgather_into", "allgather"):
            fig = figures[config].get(name, {}).get(nbytes)
            cells += ["", ""] if fig is None else [f"{fig[0] * 1e6:.3f}", f"{(fig[0] - mpi_part) * 1e6:+.3f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def target_check(figures):
    """The issue's targets for every 2-rank launch configuration, each with its figure and PASS or MISS (one launch per
    configuration: rerun for the median of several launches)."""
    two = [config for config in sorted(figures) if config[1] == 2]
    if not two:
        return ["(no 2-rank launch: targets not checked)"]
    lines = []

    def check(ok, text):
        lines.append(f"- {'PASS' if ok else 'MISS'}: {text}")

    for config in two:
        f, where = figures[config], name_of(config)
        for name, limit in (("allgather", 1.8), ("allgather_into", 1.4)):
            fig = f.get(name, {}).get(8)
            if fig and fig[1] is not None:
                check(fig[1] <= limit, f"{where}: 8 B {TITLES[name]} = {fig[1]:.2f}x raw C (target <= {limit}x)")
        for name in ("allgather", "allgather_into"):
            big = [(b, fig) for b, fig in sorted(f.get(name, {}).items()) if b in (1 << 20, 16 << 20) and fig[1] is not None]
            if big:
                worst_bytes, worst = min(big, key=lambda item: 1 / item[1][1])
                check(all(1 / fig[1] >= 0.95 for _, fig in big),
                      f"{where}: 1 MiB and 16 MiB {TITLES[name]}: lowest bandwidth {1 / worst[1]:.3f}x raw C at "
                      f"{format_bytes(worst_bytes)} (target >= 0.95x)")
        for peer, index, title in (("mpi4py", 2, "mpi4py"), ("mpinet_flattened", 3, "MPI.NET")):
            if not f.get(peer):
                continue
            for name in ("allgather", "allgather_into"):
                ratios = [(b, fig[index]) for b, fig in sorted(f.get(name, {}).items()) if fig[index] is not None]
                if ratios:
                    worst_bytes, worst = max(ratios, key=lambda item: item[1])
                    check(all(r < 1 for _, r in ratios),
                          f"{where}: {TITLES[name]} vs {title}: slowest relative figure {worst:.2f}x {title}'s time at "
                          f"{format_bytes(worst_bytes)} (target < 1 at every size)")
    if not any(figures[c].get("mpi4py") for c in two):
        lines.append("- mpi4py not measured (python3-mpi4py missing, or no Open MPI launch): its target is not checked")
    if not any(figures[c].get("mpinet_flattened") for c in two):
        lines.append("- MPI.NET not measured (it needs an MPICH launch: mpiexec.mpich missing?): its target is not checked")
    return lines


def plot(folder, config, figures, stamp):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    ranks = config[1]
    fig, (latency, bandwidth) = plt.subplots(1, 2, figsize=(12, 4.8))
    styles = {"raw_c": ("k", "o"), "allgather": ("tab:blue", "s"), "allgather_into": ("tab:green", "^"),
              "mpinet_flattened_into": ("tab:purple", "v"), "mpinet_flattened": ("tab:orange", "D"),
              "mpi4py": ("tab:red", "x")}
    for name, title, _ in VARIANTS:
        data = figures[config].get(name)
        if not data:
            continue
        sizes = sorted(data)
        seconds = [data[b][0] for b in sizes]
        color, marker = styles[name]
        label = title + (" (separate launch)" if name == "mpi4py" else "")
        latency.plot(sizes, [s * 1e6 for s in seconds], color=color, marker=marker, label=label)
        bandwidth.plot(sizes, [ranks * b / s / 1e9 for b, s in zip(sizes, seconds)], color=color, marker=marker, label=label)
    for axis, ylabel in ((latency, "time per call (us)"), (bandwidth, "GB/s (ranks x bytes / time)")):
        axis.set_xscale("log", base=2)
        axis.set_yscale("log")
        axis.set_xlabel("bytes per rank")
        axis.set_ylabel(ylabel)
        axis.grid(True, which="both", alpha=0.3)
    latency.legend(fontsize=8)
    fig.suptitle(f"all_gather, {title_of(config)}: median of repeats, max over ranks - {stamp}")
    fig.tight_layout()
    path = os.path.join(folder, f"allgather-{name_of(config)}.png")
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
        sys.exit(f"bench_report: no dotnet-<mpi>-p<ranks>-<binding>.csv or mpi4py-*.csv in {args.folder}")
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
    for config in sorted(figures):
        report += [f"## {title_of(config)} (`{name_of(config)}`)", ""]
        for prefix in ("dotnet", "mpi4py"):
            meta = read_text(os.path.join(args.folder, f"{prefix}-{name_of(config)}.txt")).split("\n\n")[0]
            if meta:
                report += [f"{prefix} launch: " + "; ".join(meta.splitlines()), ""]
        if not figures[config].get("mpi4py"):
            report += ["mpi4py: not measured" + (" (Debian's python3-mpi4py is built for Open MPI)." if config[0] == "mpich"
                                                 else " (python3-mpi4py is not installed)."), ""]
        report += [table(config, figures), ""]
        check = model_check(config, figures)
        if check:
            report += ["Cost model check: MPI part = raw C time of the 64-byte header slot up to 24 B (the payload rides in "
                       "it); raw C time of N from 25 B to 1048 B (one collective: the group's slot has grown to hold "
                       "payload and description); header + raw C time of N above; o = measured - MPI part.", "", check, ""]
        path = plot(args.folder, config, figures, stamp)
        if path:
            report += [f"![{name_of(config)}]({os.path.basename(path)})", ""]
        else:
            report += ["(no plot: python3-matplotlib is not installed)", ""]
    overlap = load_overlap(args.folder)
    if overlap:
        report += ["## Async overlap", "", OVERLAP_METHOD, ""]
        for config in sorted(overlap):
            report += [f"{title_of(config)}:", "", overlap_table(overlap[config]), ""]
    report += ["## Targets (2 ranks, every binding and MPI)", ""] + target_check(figures) + [""]
    text = "\n".join(report)
    with open(os.path.join(args.folder, "report.md"), "w") as f:
        f.write(text)

    for config in sorted(figures):
        print(f"\n{title_of(config)} (us = median time per call; x raw = time / raw C time)")
        print(table(config, figures))
    for config in sorted(overlap):
        print(f"\nAsync overlap, {title_of(config)} (us per iteration; overlap = (sequential - overlapped) / min(gather, work alone))")
        print(overlap_table(overlap[config]))
    print("\nTargets (2 ranks):")
    print("\n".join(target_check(figures)))
    print(f"\nwrote {os.path.join(args.folder, 'report.md')}, summary.csv and the plots")


if __name__ == "__main__":
    main()
