#!/usr/bin/python3
"""Variant (d) of the all_gather benchmark: mpi4py's Comm.Allgather on numpy uint8 buffers.

A separate mpiexec run (mpi4py and .NET cannot share one MPI process), with the same sizes and the
same method as src/MlxMpi.Benchmark: preallocated buffers of random non-zero bytes reused by every
call, per size a calibration so one measurement lasts about --seconds, then --repeats measurements,
each a tenth as many untimed warm-up calls, a barrier and the timed loop; seconds per call averaged
on each rank, maximum over ranks. Rank 0 writes mpi4py-<label>.csv in the benchmark's CSV format, label from
BENCH_LABEL (bench.sh: <mpi>-p<ranks>-<binding>), p<ranks> by default.

    mpiexec -n 2 /usr/bin/python3 scripts/bench_mpi4py.py --out results/bench-x

mpi4py starts MPI at its default thread level (MPI_THREAD_MULTIPLE) unless --thread-level says
otherwise; the CSV's companion file records the level MPI provided.
"""
import argparse
import os
import sys
import time

DEFAULT_SIZES = [8] + [16 << (2 * k) for k in range(12)]  # 8 B, then 16 B to 64 MiB in x4 steps


def parse_bytes(text):
    text = text.strip()
    scale = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(text[-1].upper(), 1)
    return int(text if scale == 1 else text[:-1]) * scale


def format_bytes(n):
    if n >= 1 << 20 and n % (1 << 20) == 0:
        return f"{n >> 20} MiB"
    if n >= 1 << 10 and n % (1 << 10) == 0:
        return f"{n >> 10} KiB"
    return f"{n} B"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", help="folder for mpi4py-p<ranks>.csv")
    parser.add_argument("--sizes", help="bytes per rank, comma-separated, K/M suffixes allowed")
    parser.add_argument("--max-size", help="drop default sizes above this")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--seconds", type=float, default=0.1, help="target time of one measurement")
    parser.add_argument("--max-iterations", type=int, default=1_000_000)
    # bench.sh passes the same options to both benchmarks; the async overlap measurement is .NET's alone.
    parser.add_argument("--overlap-sizes", help="ignored (the .NET benchmark's async overlap measurement)")
    parser.add_argument("--op", choices=["allgather", "allsum"], default="allgather",
                        help="allsum: Comm.Allreduce(MPI.SUM) of float32 (sizes must be multiples of 4)")
    parser.add_argument("--thread-level", choices=["single", "funneled", "serialized", "multiple"],
                        help="mpi4py.rc.thread_level (default: mpi4py's own, multiple)")
    args = parser.parse_args()
    sizes = [parse_bytes(s) for s in args.sizes.split(",")] if args.sizes else DEFAULT_SIZES
    if args.max_size:
        sizes = [s for s in sizes if s <= parse_bytes(args.max_size)]
    if not sizes or args.repeats < 5:
        parser.error("need at least one size and --repeats >= 5")
    args.sizes = sizes
    return args


def main():
    args = parse_args()
    import mpi4py
    if args.thread_level:
        mpi4py.rc.thread_level = args.thread_level
    import numpy as np
    from mpi4py import MPI

    comm = MPI.COMM_WORLD.Dup()
    rank, ranks = comm.Get_rank(), comm.Get_size()
    lead = rank == 0
    start_clock = time.monotonic()
    levels = {MPI.THREAD_SINGLE: "single", MPI.THREAD_FUNNELED: "funneled",
              MPI.THREAD_SERIALIZED: "serialized", MPI.THREAD_MULTIPLE: "multiple"}
    meta = [
        f"ranks: {ranks}",
        f"mpi_library: {MPI.Get_library_version().replace(chr(0), '').splitlines()[0].strip()}",
        f"mpi_thread_level: {levels.get(MPI.Query_thread(), MPI.Query_thread())}",
        f"python: {sys.version.split()[0]}, mpi4py {mpi4py.__version__}, numpy {np.__version__}",
        f"binding: {os.environ.get('BENCH_BINDING', 'as launched')}; processors this rank sees: {len(os.sched_getaffinity(0))}",
    ]

    def progress(what):
        if lead:
            line = f"\r[{ranks} ranks, mpi4py] {what}, {time.monotonic() - start_clock:.0f} s"
            sys.stderr.write(line.ljust(100))
            sys.stderr.flush()

    rng = np.random.default_rng()
    rows = []
    reduce = args.op == "allsum"
    for index, nbytes in enumerate(args.sizes):
        if reduce:
            # The same buffers as the .NET benchmark's --op allsum: float32 values in [1, 2), a reused output.
            send = (1 + rng.random(nbytes // 4)).astype(np.float32)
            recv = np.zeros(nbytes // 4, dtype=np.float32)
            allreduce = comm.Allreduce

            def collective(a, b):
                allreduce(a, b, op=MPI.SUM)
        else:
            send = rng.integers(1, 256, size=nbytes, dtype=np.uint8)
            recv = np.zeros(ranks * nbytes, dtype=np.uint8)
            collective = comm.Allgather

        def measure(warmup, iterations):
            for _ in range(warmup):
                collective(send, recv)
            comm.Barrier()
            begin = MPI.Wtime()
            for _ in range(iterations):
                collective(send, recv)
            per_call = (MPI.Wtime() - begin) / iterations
            return comm.allreduce(per_call, op=MPI.MAX)

        progress(f"{format_bytes(nbytes)} ({index + 1}/{len(args.sizes)}) calibrating")
        n = 1
        while True:
            seconds = measure(1, n)
            if seconds * n >= 0.02 or n >= args.max_iterations:
                seconds = min(seconds, measure(1, n))
                break
            n *= 4
        iterations = int(min(max(-(-args.seconds // seconds), 5), args.max_iterations))
        for repeat in range(args.repeats):
            progress(f"{format_bytes(nbytes)} ({index + 1}/{len(args.sizes)}) repeat {repeat + 1}/{args.repeats}")
            rows.append((ranks, "mpi4py_allreduce" if reduce else "mpi4py", nbytes, repeat, iterations,
                         measure(max(1, iterations // 10), iterations)))

        recv[:] = 0
        collective(send, recv)
        if reduce:
            everyone = np.zeros(ranks * (nbytes // 4), dtype=np.float32)
            comm.Allgather(send, everyone)
            exact = everyone.reshape(ranks, -1).astype(np.float64).sum(axis=0)
            if not np.allclose(recv, exact, rtol=1e-6 * ranks, atol=0):
                raise SystemExit(f"mpi4py Allreduce of {nbytes} B summed wrong values on rank {rank}")
        else:
            mine = recv[rank * nbytes:(rank + 1) * nbytes]
            if not np.array_equal(mine, send) or not recv.all():
                raise SystemExit(f"mpi4py Allgather of {nbytes} B gathered wrong bytes on rank {rank}")

    if lead:
        sys.stderr.write(f"\r{' ' * 100}\r[{ranks} ranks, mpi4py] done in {time.monotonic() - start_clock:.0f} s\n")
        print(f"mpi4py Comm.{'Allreduce (float32 sum)' if reduce else 'Allgather'}, {ranks} ranks (median of {args.repeats} repeats, max over ranks)")
        print(f"{'bytes/rank':>10} | {'us':>10} {'GB/s':>7}")
        for nbytes in args.sizes:
            values = sorted(r[5] for r in rows if r[2] == nbytes)
            median = values[len(values) // 2] if len(values) % 2 else sum(values[len(values) // 2 - 1:len(values) // 2 + 1]) / 2
            print(f"{format_bytes(nbytes):>10} | {median * 1e6:10.3f} {ranks * nbytes / median / 1e9:7.3f}")
        if args.out:
            label = os.environ.get("BENCH_LABEL") or f"p{ranks}"
            if reduce:
                label = f"allsum-{label}"
            os.makedirs(args.out, exist_ok=True)
            with open(os.path.join(args.out, f"mpi4py-{label}.csv"), "w") as f:
                f.write("ranks,variant,bytes,repeat,iterations,seconds_per_call\n")
                for row in rows:
                    f.write(",".join(repr(v) if isinstance(v, float) else str(v) for v in row) + "\n")
            with open(os.path.join(args.out, f"mpi4py-{label}.txt"), "w") as f:
                f.write("\n".join(meta) + "\n")
    comm.Free()


if __name__ == "__main__":
    main()
