#!/usr/bin/env bash
# The all_gather benchmark, everything in one go (also `dotnet cake --target=Bench`):
#   1. builds the solution in Release (the benchmark project also builds native/bench's libmlxmpi_bench.so);
#   2. one launch of src/MlxMpi.Benchmark per configuration: Open MPI at 2 ranks pinned (--bind-to core, Open MPI's
#      default for 2 ranks and what Slurm's --cpu-bind=cores gives) and unbound (--bind-to none), and at 4 ranks
#      (oversubscribed, unbound only); MPICH at 2 ranks, both bindings, when mpiexec.mpich is installed. Each launch
#      measures (a) raw C MPI_Allgather (built against the launch's MPI), (b) Distributed.AllGather,
#      (c) Distributed.AllGatherInto and, under MPICH, (e, f) MPI.NET 1.4.0's AllgatherFlattened into a reused array
#      and into a new one, interleaved; then the async overlap measurement (--overlap-sizes none skips it);
#   3. (d) mpi4py's Comm.Allgather in separate launches (scripts/bench_mpi4py.py), Open MPI only: Debian's
#      python3-mpi4py is built against Open MPI (libmpi.so.40) and cannot be pointed at MPICH;
#   4. scripts/bench_report.py: tables, summary.csv, report.md and the plots, one set per configuration;
#   5. the same launches with --op allsum (AllSum and AllSumInto of float32 against raw C MPI_Allreduce, and mpi4py's
#      Comm.Allreduce), in results/bench-<date>/allsum/, with scripts/bench_allsum_report.py's allsum.md;
#   6. with --launches N, N - 1 more launches of every 2-rank configuration at the sizes the targets name (8 B, 1 MiB,
#      16 MiB; both ops), in launches/<k>/, and scripts/bench_launches.py's launches.md: the targets as the median
#      over the N launches (the VM's latency mode changes between launches).
# Everything lands in results/bench-<date>/ (gitignored); --publish also copies the CSVs and plots to docs/bench/.
# docs/performance.md explains the method, the published figures and the cost model.
#
#   scripts/bench.sh [--no-build] [--publish] [--ranks "2 4"] [--bindings "core none"] [--mpi "openmpi mpich"]
#                    [--ops "allgather allsum"] [--launches N]
#                    [-- benchmark options, e.g. --max-size 1M --repeats 5]
#
# Launches are named <mpi>-p<ranks>-<binding> (openmpi-p2-core, mpich-p2-none, ...): dotnet-<name>.csv/.txt,
# mpi4py-<name>.csv, overlap-<name>.csv. Rank counts above the core count run unbound only, and under Open MPI only
# (MPICH busy-polls: oversubscribed, every collective costs a scheduler time slice). Run on an idle machine: the
# script records how busy the CPUs were before and after, and warns.
set -euo pipefail
cd "$(dirname "$0")/.."

invocation="scripts/bench.sh${*:+ $*}"
build=1
publish=0
rank_counts="2 4"
bindings="core none"
mpis="openmpi mpich"
ops="allgather allsum"
launches=1
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0 ;;
    --publish) publish=1 ;;
    --ranks) rank_counts="$2"; shift ;;
    --bindings) bindings="$2"; shift ;;
    --mpi) mpis="$2"; shift ;;
    --ops) ops="$2"; shift ;;
    --) shift; break ;;
    --launches) launches="$2"; shift ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) echo "bench.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
bench_args=("$@")
case "$launches" in ''|*[!0-9]*|0) echo "bench.sh: --launches needs a whole number >= 1, got '$launches'" >&2; exit 2 ;; esac

started=$(date +%s)
stamp=$(date +%Y%m%d-%H%M%S)
out="results/bench-$stamp"
mkdir -p "$out"
python=/usr/bin/python3
dll=src/MlxMpi.Benchmark/bin/Release/net10.0/MlxMpi.Benchmark.dll

# Open MPI refuses root without these and needs --oversubscribe for more ranks than cores; MPICH's hydra takes
# neither flag.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
cores=$(nproc)
# Which MPIs this machine has: "openmpi" is Debian's default mpiexec, "mpich" its mpiexec.mpich.
available_mpis=""
for mpi in $mpis; do
  case "$mpi" in
    openmpi) mpiexec --version 2>&1 | grep -qE "Open MPI|OpenRTE" && available_mpis="$available_mpis openmpi" ;;
    mpich) command -v mpiexec.mpich > /dev/null && available_mpis="$available_mpis mpich" ;;
    *) echo "bench.sh: unknown MPI $mpi (openmpi or mpich)" >&2; exit 2 ;;
  esac
done
[ -n "$available_mpis" ] || { echo "bench.sh: none of the MPIs \"$mpis\" is installed" >&2; exit 1; }
# Every launch as "mpi ranks binding", in the order they run.
configurations() {
  local mpi ranks bind
  for mpi in $available_mpis; do
    for ranks in $rank_counts; do
      if [ "$ranks" -gt "$cores" ]; then
        [ "$mpi" = openmpi ] && echo "$mpi $ranks none"
        continue
      fi
      for bind in $bindings; do echo "$mpi $ranks $bind"; done
    done
  done
}
launcher() {  # mpi ranks binding -> the launch command
  local mpi=$1 ranks=$2 bind=$3
  if [ "$mpi" = openmpi ]; then
    echo "mpiexec -n $ranks --bind-to $bind $([ "$ranks" -gt "$cores" ] && echo --oversubscribe)"
  else
    echo "mpiexec.mpich -n $ranks -bind-to $bind"
  fi
}

if [ $build = 1 ]; then
  echo "bench: building (Release)"
  dotnet build MlxMpi.sln -c Release -nologo -v quiet
fi
[ -f "$dll" ] || { echo "bench: $dll is missing; build first (drop --no-build)" >&2; exit 1; }

# Percent of all CPU time that was not idle over one second: another job on this machine skews every figure.
cpu_busy() {
  local a b
  a=$(head -1 /proc/stat); sleep 1; b=$(head -1 /proc/stat)
  echo "$a $b" | awk '{ n = (NF - 2) / 2; for (i = 2; i <= n + 1; i++) { t1 += $i; t2 += $(i + n + 1) }
                        i1 = $5 + $6; i2 = $(5 + n + 1) + $(6 + n + 1)
                        printf "%.0f", 100 * (1 - (i2 - i1) / (t2 - t1)) }'
}
busy=$(cpu_busy)
{
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "cpu: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $cores cores ($(lscpu | sed -n 's/^Hypervisor vendor: *//p' | head -1 | sed 's/^./virtualised: &/;s/^$/bare metal/'))"
  echo "memory: $(free -g | awk '/^Mem:/ {print $2 " GiB"}')"
  echo "kernel: $(uname -sr)"
  echo "os: $(. /etc/os-release && echo "$PRETTY_NAME")"
  echo "mpi: $(mpiexec --version 2>&1 | head -1)$(command -v mpiexec.mpich > /dev/null && echo "; $(mpiexec.mpich --version 2>&1 | grep -m1 Version: | sed 's/^ *//') (MPICH)")"
  echo "dotnet: SDK $(dotnet --version), $(dotnet --list-runtimes | grep Microsoft.NETCore.App | tail -1 | cut -d' ' -f1-2)"
  echo "python: $($python -c 'import sys; print(sys.version.split()[0])' 2>/dev/null || echo missing)"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- src native bindings 2>/dev/null || echo ' + uncommitted changes in src/native/bindings')"
  configurations | while read -r mpi ranks bind; do echo "launch $mpi-p$ranks-$bind: $(launcher "$mpi" "$ranks" "$bind")"; done
  echo "cpu busy before start: $busy% (over 1 s, all cores)"
} > "$out/machine.txt"
cat "$out/machine.txt"
if [ "$busy" -gt 10 ]; then
  echo "bench: WARNING: the CPUs were $busy% busy before the start; other processes will disturb the figures" >&2
fi
# .NET's console would otherwise send terminal set-up sequences into the logs.
export TERM=dumb

# Runs one launch with its output also in a log, while scripts/bench_monitor.py records in interference.txt how much
# CPU other processes took meanwhile.
launch() {  # label log command...
  local label=$1 log=$2
  shift 2
  "$@" > >(tee "$log") &
  local pid=$!
  $python scripts/bench_monitor.py "$pid" "$label" >> "$out/interference.txt" &
  local monitor=$! status=0
  wait "$pid" || status=$?
  wait "$monitor" || true
  return $status
}

configurations > "$out/configurations.txt"
has_op() { case " $ops " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
while read -r mpi ranks bind; do
  name="$mpi-p$ranks-$bind"
  if has_op allgather; then
    echo
    echo "== $name: $(launcher "$mpi" "$ranks" "$bind")"
    # shellcheck disable=SC2046
    BENCH_LABEL=$name BENCH_BINDING=$bind launch "dotnet $name" "$out/dotnet-$name.log" \
      $(launcher "$mpi" "$ranks" "$bind") dotnet "$dll" --out "$out" "${bench_args[@]}" < /dev/null
  fi
  if has_op allsum; then
    # AllSum against raw MPI_Allreduce, in a folder of its own (its report: scripts/bench_allsum_report.py).
    echo
    echo "== allsum $name: $(launcher "$mpi" "$ranks" "$bind")"
    # shellcheck disable=SC2046
    BENCH_LABEL=$name BENCH_BINDING=$bind launch "dotnet allsum $name" "$out/dotnet-allsum-$name.log" \
      $(launcher "$mpi" "$ranks" "$bind") dotnet "$dll" --op allsum --out "$out/allsum" "${bench_args[@]}" < /dev/null
  fi
done < "$out/configurations.txt"

# The targets are judged on the median of several launches: N - 1 more of every 2-rank configuration, at the target
# sizes only, each launch against its own raw C loop.
for k in $(seq 2 "$launches"); do
  while read -r mpi ranks bind; do
    [ "$ranks" = 2 ] || continue
    name="$mpi-p$ranks-$bind"
    mkdir -p "$out/launches/$k/allsum"
    for op in $ops; do
      folder="$out/launches/$k"; [ "$op" = allsum ] && folder="$folder/allsum"
      echo
      echo "== launch $k of $launches, $op $name: $(launcher "$mpi" "$ranks" "$bind")"
      # shellcheck disable=SC2046
      BENCH_LABEL=$name BENCH_BINDING=$bind launch "dotnet $op $name (launch $k)" "$folder/dotnet-$op-$name.log" \
        $(launcher "$mpi" "$ranks" "$bind") dotnet "$dll" --op "$op" --out "$folder" --sizes 8,1M,16M --repeats 5 \
        --overlap-sizes none < /dev/null
    done
  done < "$out/configurations.txt"
done

# Debian's python3-mpi4py links Open MPI's libmpi.so.40: it runs under Open MPI launches only.
if $python -c 'import mpi4py, numpy' 2>/dev/null; then
  while read -r mpi ranks bind; do
    [ "$mpi" = openmpi ] || continue
    name="$mpi-p$ranks-$bind"
    echo
    echo "(d) mpi4py, a separate launch: $name"
    # shellcheck disable=SC2046
    if has_op allgather; then
      # shellcheck disable=SC2046
      BENCH_LABEL=$name BENCH_BINDING=$bind launch "mpi4py $name" "$out/mpi4py-$name.log" \
        $(launcher "$mpi" "$ranks" "$bind") $python scripts/bench_mpi4py.py --out "$out" "${bench_args[@]}" < /dev/null
    fi
    if has_op allsum; then
      # shellcheck disable=SC2046
      BENCH_LABEL=$name BENCH_BINDING=$bind launch "mpi4py allsum $name" "$out/mpi4py-allsum-$name.log" \
        $(launcher "$mpi" "$ranks" "$bind") $python scripts/bench_mpi4py.py --op allsum --out "$out/allsum" "${bench_args[@]}" < /dev/null
    fi
  done < "$out/configurations.txt"
else
  echo "bench: note: (d) mpi4py skipped: python3-mpi4py (and python3-numpy) are not installed for $python"
fi

echo "cpu busy after the runs: $(cpu_busy)% (over 1 s)" >> "$out/machine.txt"
echo
cat "$out/interference.txt"
if grep -qv " 0 of " "$out/interference.txt"; then
  echo "bench: WARNING: other processes took CPU during the runs (above); rerun on an idle machine for clean figures" >&2
fi
echo
if has_op allgather; then
  $python scripts/bench_report.py "$out" --command "$invocation"
fi
if has_op allsum; then
  $python scripts/bench_allsum_report.py "$out/allsum"
fi
if [ "$launches" -gt 1 ]; then
  echo
  $python scripts/bench_launches.py "$out"
fi

if [ $publish = 1 ]; then
  mkdir -p docs/bench
  rm -f docs/bench/dotnet-*.csv docs/bench/mpi4py-*.csv docs/bench/overlap-*.csv docs/bench/allgather-*.png
  cp "$out"/summary.csv "$out"/dotnet-*.csv "$out"/machine.txt "$out"/interference.txt docs/bench/
  cp "$out"/mpi4py-*.csv docs/bench/ 2>/dev/null || true
  cp "$out"/overlap-*.csv docs/bench/ 2>/dev/null || true
  cp "$out"/*.png docs/bench/ 2>/dev/null || true
  cp "$out"/report.md docs/bench/report.md 2>/dev/null || true
  rm -f docs/bench/launches.md
  cp "$out"/launches.md docs/bench/launches.md 2>/dev/null || true
  mkdir -p docs/bench/allsum
  cp "$out"/allsum/*.csv "$out"/allsum/allsum.md docs/bench/allsum/ 2>/dev/null || true
  echo "bench: published to docs/bench/"
fi
echo "bench: results in $out ($(( $(date +%s) - started )) s)"
