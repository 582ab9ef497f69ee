#!/usr/bin/python3
"""The cost model of docs/performance.md: predicted all_gather times, raw MPI_Allgather against MlxMpi.

    /usr/bin/python3 scripts/bench_model.py [--alpha-us 2] [--beta-gbps 12] [--gamma-gbps 10] [--ranks 64 1024]

Hockney's model per message step: alpha (latency) + bytes / beta (bandwidth); gamma is local memcpy
bandwidth for the copies an algorithm makes. The algorithm per (ranks, bytes per rank) is Open MPI
4.1.4's fixed decision for MPI_Allgather (coll/tuned), with its fallbacks: recursive doubling needs
a power-of-two size (else Bruck), neighbor exchange an even size (else ring).

MlxMpi's gather = header phase (one MPI_Allgather of the group's slot per rank; a second round only for
arrays of more than 8 dimensions, not modelled) + data phase (one MPI_Allgather of the payload, skipped when
the payload fits in the slot) + the managed overhead o (measured on the benchmark machine; negligible across
nodes). The slot is 64 bytes (24 bytes of a 1-D payload) and grows with the group's gathers up to 1088 bytes
(src/MlxMpi/Collectives/SlotSizing.cs): a workload that repeats one size up to 1048 bytes runs at the smallest
class that holds the payload and its 40-byte description, one collective per call (--no-slot-sizing: the
fixed 64-byte slot, two collectives above 24 bytes).
"""
import argparse
import math

SLOT = 64        # bytes per rank of the header phase (--slot to evaluate another design; was 256)
HEADER_1D = 40   # the 8-byte-aligned header of a 1-D array (32 + 4 bytes): inline payloads get SLOT - 40
SLOT_CLASSES = [64, 128, 192, 256, 576, 1088]  # SlotSizing's classes


def slot_classes(ranks):
    """SlotSizing.ClassesFor: below 32 ranks all, below 64 up to 576, from 64 on up to 256 (Open MPI's rules below
    switch from recursive doubling to neighbor exchange at 1024 and 512 bytes per rank)."""
    largest = 1088 if ranks < 32 else 576 if ranks < 64 else 256
    return [c for c in SLOT_CLASSES if c <= largest]

# Open MPI 4.1.4 coll/tuned fixed rules for allgather: (ranks below, [(bytes per rank below, algorithm)...]).
# The last entry of each list has no bound. 'rd' recursive doubling, 'bruck', 'ring', 'neighbor' exchange.
RULES = [
    (32, [(None, "rd")]),
    (64, [(1024, "rd"), (65536, "neighbor"), (None, "ring")]),
    (128, [(512, "rd"), (65536, "neighbor"), (None, "ring")]),
    (256, [(512, "rd"), (131072, "neighbor"), (524288, "ring"), (1048576, "neighbor"), (None, "ring")]),
    (512, [(32, "rd"), (128, "bruck"), (1024, "rd"), (131072, "neighbor"), (524288, "ring"),
           (1048576, "neighbor"), (None, "ring")]),
    (1024, [(64, "rd"), (256, "bruck"), (2048, "rd"), (None, "neighbor")]),
    (2048, [(4, "rd"), (8, "bruck"), (16, "rd"), (32, "bruck"), (256, "rd"), (512, "bruck"), (4096, "rd"),
            (None, "neighbor")]),
    (4096, [(32, "bruck"), (128, "rd"), (512, "bruck"), (4096, "rd"), (None, "neighbor")]),
    (None, [(2, "rd"), (8, "bruck"), (16, "rd"), (512, "bruck"), (4096, "rd"), (None, "neighbor")]),
]


def algorithm(ranks, nbytes):
    if ranks == 2:
        return "two_proc"
    for below, table in RULES:
        if below is None or ranks < below:
            for limit, name in table:
                if limit is None or nbytes < limit:
                    break
            break
    if name == "rd" and ranks & (ranks - 1):
        name = "bruck"
    if name == "neighbor" and ranks % 2:
        name = "ring"
    return name


def allgather_seconds(ranks, nbytes, alpha, beta, gamma):
    """Predicted MPI_Allgather time (s) of nbytes per rank; beta and gamma in bytes per second."""
    name = algorithm(ranks, nbytes)
    moved = (ranks - 1) * nbytes / beta  # every algorithm receives the other ranks' blocks once
    own = nbytes / gamma                  # the local block copied from the send buffer into the result
    steps = {"two_proc": 1, "rd": math.ceil(math.log2(ranks)), "bruck": math.ceil(math.log2(ranks)),
             "ring": ranks - 1, "neighbor": ranks // 2}[name]
    extra = ranks * nbytes / gamma if name == "bruck" else 0  # Bruck's final rotation through a temporary buffer
    return steps * alpha + moved + own + extra, name


def steady_slot(ranks, nbytes, slot, sizing):
    """The slot a repeated gather of nbytes per rank runs at: the base slot, the smallest grown class that holds
    payload and description, or None when the payload needs the data phase."""
    if nbytes <= slot - HEADER_1D:
        return slot
    if sizing:
        return next((c for c in slot_classes(ranks) if c >= slot and c >= nbytes + HEADER_1D), None)
    return None


def mlxmpi_seconds(ranks, nbytes, alpha, beta, gamma, overhead, slot=SLOT, sizing=True):
    inline_slot = steady_slot(ranks, nbytes, slot, sizing)
    if inline_slot is not None:
        header, _ = allgather_seconds(ranks, inline_slot, alpha, beta, gamma)
        return overhead + header + ranks * nbytes / gamma  # payloads copied out of the received slots
    header, _ = allgather_seconds(ranks, slot, alpha, beta, gamma)
    data, _ = allgather_seconds(ranks, nbytes, alpha, beta, gamma)
    return overhead + header + data


def format_bytes(n):
    for shift, unit in ((30, "GiB"), (20, "MiB"), (10, "KiB")):
        if n >= 1 << shift:
            return f"{n / (1 << shift):.3g} {unit}"
    return f"{n} B"


def format_seconds(s):
    return f"{s * 1e3:.2f} ms" if s >= 1e-3 else f"{s * 1e6:.1f} us"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--alpha-us", type=float, default=2.0, help="latency per message step (us)")
    parser.add_argument("--beta-gbps", type=float, default=12.0, help="link bandwidth per rank (GB/s)")
    parser.add_argument("--gamma-gbps", type=float, default=10.0, help="memcpy bandwidth (GB/s)")
    parser.add_argument("--overhead-us", type=float, default=0.3,
                        help="MlxMpi's managed overhead per call (us; AllGather's, measured at 2 ranks)")
    parser.add_argument("--slot", type=int, default=SLOT, help="header slot bytes per rank (MlxMpi: 64)")
    parser.add_argument("--no-slot-sizing", action="store_true", help="the fixed slot (before SlotSizing)")
    parser.add_argument("--ranks", type=int, nargs="+", default=[64, 1024])
    parser.add_argument("--sizes", type=int, nargs="+", default=[8, 24, 32, 256, 4096, 65536, 1 << 20, 16 << 20, 64 << 20])
    args = parser.parse_args()
    alpha, beta, gamma = args.alpha_us * 1e-6, args.beta_gbps * 1e9, args.gamma_gbps * 1e9
    print(f"alpha = {args.alpha_us} us, beta = {args.beta_gbps} GB/s, gamma = {args.gamma_gbps} GB/s, "
          f"o = {args.overhead_us} us, slot = {args.slot} B; one rank per node")
    print("| ranks | bytes/rank | raw algorithm | raw MPI_Allgather | header phase | MlxMpi | MlxMpi / raw | result memory per rank |")
    print("|---:|---:|---|---:|---:|---:|---:|---:|")
    for ranks in args.ranks:
        header, header_algorithm = allgather_seconds(ranks, args.slot, alpha, beta, gamma)
        for nbytes in args.sizes:
            raw, name = allgather_seconds(ranks, nbytes, alpha, beta, gamma)
            ours = mlxmpi_seconds(ranks, nbytes, alpha, beta, gamma, args.overhead_us * 1e-6, args.slot,
                                  sizing=not args.no_slot_sizing)
            grown = steady_slot(ranks, nbytes, args.slot, not args.no_slot_sizing)
            if grown is not None and grown != args.slot:
                header, header_algorithm = allgather_seconds(ranks, grown, alpha, beta, gamma)
            else:
                header, header_algorithm = allgather_seconds(ranks, args.slot, alpha, beta, gamma)
            print(f"| {ranks} | {format_bytes(nbytes)} | {name} | {format_seconds(raw)} | "
                  f"{format_seconds(header)} ({header_algorithm}) | {format_seconds(ours)} | {ours / raw:.2f} | "
                  f"{format_bytes(ranks * nbytes)} |")


if __name__ == "__main__":
    main()
