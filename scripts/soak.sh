#!/usr/bin/env bash
# The long soak: the worker's `soak` scenario (tests/MlxMpi.MpiWorker/Scenarios/Soak.cs) under mpiexec for as long as
# asked. Random AllGather / AllGatherInto / AllGatherUneven / AllGatherAsync calls of every dtype and random shapes
# (0-d and empty included) on the world and on split groups, every element checked, each rank's RSS growth after the
# warm-up bounded. CI runs the same scenario for 45 s (SoakTests); this runs it for minutes to hours.
#
#   scripts/soak.sh [--no-build] [--ranks N] [--progress SECONDS] [--rss-limit MIB] [--timeout SECONDS] DURATION
#
# DURATION: seconds, or a number with s, m or h (90, 10m, 2h). Defaults: 4 ranks, a progress line per rank every
# 60 s, RSS growth limit 64 MiB, collective timeout (MLXMPI_TIMEOUT) 120 s, so that a hang ends the run with the
# watchdog's report instead of lasting for the rest of the duration. MLXMPI_TEST_SEED=S replays a run's data.
# Exit code: mpiexec's (0 only if every rank passed). The whole output is also kept in results/soak-<date>.log.
set -euo pipefail
cd "$(dirname "$0")/.."

build=1
ranks=4
progress=60
rss_limit=64
collective_timeout=120
duration=""
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0 ;;
    --ranks) ranks="$2"; shift ;;
    --progress) progress="$2"; shift ;;
    --rss-limit) rss_limit="$2"; shift ;;
    --timeout) collective_timeout="$2"; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    -*) echo "soak.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) duration="$1" ;;
  esac
  shift
done
case "$duration" in
  *h) seconds=$(( ${duration%h} * 3600 )) ;;
  *m) seconds=$(( ${duration%m} * 60 )) ;;
  *s) seconds=${duration%s} ;;
  "") echo "soak.sh: give a duration, e.g. scripts/soak.sh 30m (see --help)" >&2; exit 2 ;;
  *) seconds=$duration ;;
esac
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 10 ]; then
  echo "soak.sh: the duration must be at least 10 s, got \"$duration\"" >&2
  exit 2
fi

worker=tests/MlxMpi.MpiWorker/bin/Release/net10.0/MlxMpi.MpiWorker.dll
if [ $build = 1 ]; then
  dotnet build tests/MlxMpi.MpiWorker -c Release --nologo -v quiet
fi
[ -f "$worker" ] || { echo "soak.sh: $worker is not built (run without --no-build)" >&2; exit 2; }

# Open MPI refuses root without these and needs --oversubscribe for more ranks than cores; MPICH's hydra takes
# neither flag. Unbound: oversubscribed ranks bound to cores starve each other.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 TERM=dumb
flags=()
if mpiexec --version 2>&1 | grep -qE "Open MPI|OpenRTE"; then
  flags=(--oversubscribe --bind-to none)
fi
seed=${MLXMPI_TEST_SEED:-$(( (RANDOM << 30) + (RANDOM << 15) + RANDOM + 1 ))}

mkdir -p results
log="results/soak-$(date +%Y%m%d-%H%M%S).log"
echo "soak: $ranks ranks for $seconds s, seed $seed (MLXMPI_TEST_SEED=$seed replays it), progress every $progress s," \
     "RSS growth limit $rss_limit MiB, collective timeout $collective_timeout s; log $log"

started=$(date +%s)
set +e
MLXMPI_SOAK_SECONDS=$seconds MLXMPI_SOAK_PROGRESS_SECONDS=$progress MLXMPI_SOAK_RSS_LIMIT_MIB=$rss_limit \
MLXMPI_TIMEOUT=$collective_timeout \
  mpiexec -n "$ranks" "${flags[@]}" dotnet "$worker" --seed "$seed" soak 2>&1 \
  | tee "$log" \
  | while IFS= read -r line; do
      # Progress and verdict lines stamped with the time; anything else (stack traces, MPI messages) as it comes.
      case "$line" in
        INFO*|RESULT*) echo "$(date +%T) $line" ;;
        *) echo "$line" ;;
      esac
    done
status=${PIPESTATUS[0]}
set -e

elapsed=$(( $(date +%s) - started ))
passed=$(grep -c "^RESULT [0-9]* soak PASS" "$log" || true)
echo "soak: mpiexec exited with $status after $elapsed s; $passed of $ranks ranks passed"
grep -E "^INFO [0-9]+ soak: done" "$log" | sed -E 's/^INFO ([0-9]+) soak: done/  rank \1:/' || true
[ "$status" = 0 ] && [ "$passed" = "$ranks" ]
