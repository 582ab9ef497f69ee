#!/usr/bin/env bash
# The all_gather benchmark, everything in one go (also `dotnet cake --target=Bench`):
#   1. builds the solution in Release (the benchmark project also builds native/bench's libmlxmpi_bench.so);
#   2. one mpiexec run at 2 ranks and one at 4 ranks (oversubscribed) of src/MlxMpi.Benchmark, which measures
#      (a) raw C MPI_Allgather, (b) Distributed.AllGather, (c) Distributed.AllGatherInto, interleaved; then the
#      async overlap measurement (cpu-bound and wait-bound work + AllGatherAsync against work then AllGather;
#      --overlap-sizes none skips it);
#   3. (d) mpi4py's Comm.Allgather in separate mpiexec runs (scripts/bench_mpi4py.py), when python3-mpi4py is there;
#   4. scripts/bench_report.py: tables, summary.csv, report.md and the plots.
# Everything lands in results/bench-<date>/ (gitignored); --publish also copies the CSVs and plots to docs/bench/.
# docs/performance.md explains the method, the published figures and the cost model.
#
#   scripts/bench.sh [--no-build] [--publish] [--ranks "2 4"] [-- benchmark options, e.g. --max-size 1M --repeats 5]
#
# Binding: 2 ranks run with --bind-to none by default (BENCH_BIND_2=core to change); on this 2-core VM core
# binding put the .NET runtime's background threads (tiered JIT, GC) on the rank's own core, which delayed tier-up
# by seconds and made small-size figures noisier. 4 ranks on 2 cores always run unbound. Run on an idle machine:
# the script records how busy the CPUs were before and after, and warns.
set -euo pipefail
cd "$(dirname "$0")/.."

invocation="scripts/bench.sh${*:+ $*}"
build=1
publish=0
rank_counts="2 4"
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0 ;;
    --publish) publish=1 ;;
    --ranks) rank_counts="$2"; shift ;;
    --) shift; break ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "bench.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
bench_args=("$@")

started=$(date +%s)
stamp=$(date +%Y%m%d-%H%M%S)
out="results/bench-$stamp"
mkdir -p "$out"
python=/usr/bin/python3
dll=src/MlxMpi.Benchmark/bin/Release/net10.0/MlxMpi.Benchmark.dll

# Open MPI refuses root without these and needs --oversubscribe for more ranks than cores; MPICH's hydra takes
# neither flag.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
if mpiexec --version 2>&1 | grep -qE "Open MPI|OpenRTE"; then
  openmpi=1
else
  openmpi=0
fi
cores=$(nproc)
launch_flags() {  # ranks -> mpiexec flags
  local ranks=$1 bind=none
  [ "$ranks" -le "$cores" ] && bind=${BENCH_BIND_2:-none}
  if [ $openmpi = 1 ]; then
    echo "-n $ranks --bind-to $bind $([ "$ranks" -gt "$cores" ] && echo --oversubscribe)"
  else
    echo "-n $ranks -bind-to $bind"
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
  echo "mpi: $(mpiexec --version 2>&1 | head -1)"
  echo "dotnet: SDK $(dotnet --version), $(dotnet --list-runtimes | grep Microsoft.NETCore.App | tail -1 | cut -d' ' -f1-2)"
  echo "python: $($python -c 'import sys; print(sys.version.split()[0])' 2>/dev/null || echo missing)"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- src native bindings 2>/dev/null || echo ' + uncommitted changes in src/native/bindings')"
  for ranks in $rank_counts; do echo "launch ($ranks ranks): mpiexec $(launch_flags "$ranks")"; done
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

for ranks in $rank_counts; do
  echo
  # shellcheck disable=SC2046
  launch "dotnet, $ranks ranks" "$out/dotnet-p$ranks.log" mpiexec $(launch_flags "$ranks") dotnet "$dll" --out "$out" "${bench_args[@]}"
done

if $python -c 'import mpi4py, numpy' 2>/dev/null; then
  for ranks in $rank_counts; do
    echo
    echo "(d) mpi4py, a separate mpiexec run at $ranks ranks:"
    # shellcheck disable=SC2046
    launch "mpi4py, $ranks ranks" "$out/mpi4py-p$ranks.log" mpiexec $(launch_flags "$ranks") $python scripts/bench_mpi4py.py --out "$out" "${bench_args[@]}"
  done
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
$python scripts/bench_report.py "$out" --command "$invocation"

if [ $publish = 1 ]; then
  mkdir -p docs/bench
  cp "$out"/summary.csv "$out"/dotnet-p*.csv "$out"/machine.txt "$out"/interference.txt docs/bench/
  cp "$out"/mpi4py-p*.csv docs/bench/ 2>/dev/null || true
  cp "$out"/overlap-p*.csv docs/bench/ 2>/dev/null || true
  cp "$out"/*.png docs/bench/ 2>/dev/null || true
  cp "$out"/report.md docs/bench/report.md
  echo "bench: published to docs/bench/"
fi
echo "bench: results in $out ($(( $(date +%s) - started )) s)"
