#!/usr/bin/env bash
# A throw-away Slurm cluster (Debian slurm-wlm 22.05 + munge) for MlxMpi's srun and sbatch tests:
#
#   slurm-cluster.sh up DIR [1|3]      start munged, slurmctld -D and slurmd -D with their state in DIR (a new or
#                                      empty directory); 1 node on this host (default), or 3 nodes n1..n3, one
#                                      slurmd per network namespace of scripts/netns-cluster.sh (10.231.0.1-3)
#   slurm-cluster.sh exec DIR CMD...   run CMD where the cluster's clients work: SLURM_CONF set, and for 3 nodes
#                                      inside n1's namespace (where slurmctld listens)
#   slurm-cluster.sh down DIR          stop every daemon and job step of the cluster, remove the namespaces and DIR
#   slurm-cluster.sh run [--nodes N] CMD...   up in a new temporary DIR, exec, down (also on failure or Ctrl-C)
#
# Configuration: scripts/slurm/slurm.conf.in (no cgroups, config_overrides, OverSubscribe=FORCE). Ports and names
# derive from DIR's owner pid so that two clusters never meet. Needs root; the 3-node form also needs network
# namespaces. The tests that use it: tests/MlxMpi.Tests/Launchers/Slurm*.cs.
set -euo pipefail

readonly here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
die() { echo "slurm-cluster: $*" >&2; exit 2; }

# Each daemon goes to the background with its output in DIR, stdin closed and out of the caller's pipes: a test that
# captures this script's output must see EOF when the script ends, not when the daemons do.
spawn() {  # spawn DIR NAME K CMD...: CMD in node K's namespace (3-node form) or here, as a session of its own
  local dir="$1" name="$2" k="$3"
  shift 3
  local where=()
  # nsenter --net, not `ip netns exec`: the latter remounts /sys, hiding the cgroup hierarchy slurmd 22.05 insists on
  # finding (even with proctrack/linuxproc and task/none).
  [ ! -f "$dir/netns" ] || where=(nsenter "--net=/run/netns/$(cat "$dir/netns")-n$k")
  setsid "${where[@]}" "$@" </dev/null >>"$dir/$name.out" 2>&1 &
  echo "$!" >>"$dir/pids"
}

in_node() {  # in_node DIR K CMD...: run CMD in node K's namespace (3-node form) or here (1 node)
  local dir="$1" k="$2"
  shift 2
  if [ -f "$dir/netns" ]; then
    nsenter "--net=/run/netns/$(cat "$dir/netns")-n$k" "$@"
  else
    "$@"
  fi
}

cmd_up() {
  local dir="$1" nodes="${2:-1}"
  [ "$(id -u)" -eq 0 ] || die "needs root (slurmd runs tasks as any user; munged and the namespaces need it)"
  command -v slurmctld >/dev/null && command -v munged >/dev/null || die "slurm-wlm and munge are not installed (scripts/install-deps.sh)"
  mkdir -p "$dir"
  # Searchable by all: munged refuses a socket others cannot reach, and tasks may run as other users.
  chmod 711 "$dir"
  [ ! -e "$dir/pids" ] || die "$dir already holds a cluster"
  : >"$dir/pids"
  # Ports from the caller's pid, away from Slurm's defaults (6817/6818) and from each other.
  local base=$((20000 + ($$ % 2000) * 2))
  local ctld_name ctld_addr node_lines=""
  case "$nodes" in
    1)
      ctld_name="$(hostname -s)"
      ctld_addr=127.0.0.1
      node_lines="NodeName=$ctld_name NodeAddr=127.0.0.1 CPUs=8 RealMemory=1000 State=UNKNOWN"
      ;;
    3)
      case "$dir" in /tmp/*) die "the 3-node form gives every node its own /tmp: put DIR elsewhere (e.g. /var/tmp)" ;; esac
      # Named after the caller (a test host), which outlives this script: netns-cluster.sh clean-stale, run by
      # other test runs, removes clusters whose named owner is gone.
      local cluster="mlxmpi-mn-${MLXMPI_SLURM_OWNER_PID:-$PPID}"
      "$here/netns-cluster.sh" up "$cluster"
      echo "$cluster" >"$dir/netns"
      ctld_name=n1
      ctld_addr=10.231.0.1
      local k
      for k in 1 2 3; do
        ip netns exec "$cluster-n$k" ip link set lo up
        node_lines+="NodeName=n$k NodeAddr=10.231.0.$k NodeHostname=n$k CPUs=4 RealMemory=1000 State=UNKNOWN"$'\n'
      done
      ;;
    *) die "nodes must be 1 or 3, not '$nodes'" ;;
  esac
  # Job ids of our own too: Slurm's pmix plugin names a directory /tmp/spmix_appdir_<uid>_<job>.<step>, and one that a
  # killed step left behind would fail the same job id of the next cluster ("File exists").
  local first_job=$((($$ % 30000) * 1000 + 1))
  echo "$first_job" >"$dir/first_job"
  sed -e "s|@DIR@|$dir|g" -e "s|@FIRST_JOB@|$first_job|g" -e "s|@CTLD_NAME@|$ctld_name|g" -e "s|@CTLD_ADDR@|$ctld_addr|g" \
      -e "s|@CTLD_PORT@|$base|g" -e "s|@SLURMD_PORT@|$((base + 1))|g" \
      "$here/slurm/slurm.conf.in" | awk -v nodes="$node_lines" '{ if ($0 == "@NODES@") printf "%s\n", nodes; else print }' \
      >"$dir/slurm.conf"
  mkdir -p "$dir/ctld"
  export SLURM_CONF="$dir/slurm.conf"

  # A munge key of our own; munged wants it private and will not run as root without --force.
  head -c 1024 /dev/urandom >"$dir/munge.key"
  chmod 400 "$dir/munge.key"
  munged --force --foreground --socket="$dir/munge.socket" --key-file="$dir/munge.key" --pid-file="$dir/munged.pid" \
    --log-file="$dir/munged.log" --seed-file="$dir/munged.seed" </dev/null >>"$dir/munged.out" 2>&1 &
  echo "$!" >>"$dir/pids"
  wait_for "munged" 10 test -S "$dir/munge.socket"

  local k
  if [ "$nodes" = 1 ]; then
    spawn "$dir" slurmctld 1 slurmctld -D -i -f "$dir/slurm.conf"
    spawn "$dir" slurmd 1 slurmd -D -f "$dir/slurm.conf" -N "$ctld_name"
  else
    # Each node gets its own hostname (a UTS namespace) as well as its own network, as slurmctld and slurmd check
    # the hostname against the configuration.
    spawn "$dir" slurmctld 1 unshare --uts /bin/sh -c "hostname n1 && exec slurmctld -D -i -f '$dir/slurm.conf'"
    for k in 1 2 3; do
      mkdir -p "$dir/spool-n$k"
      # And its own /tmp (a mount namespace with a tmpfs there), as real nodes have: Slurm's pmix plugin creates
      # /tmp/spmix_appdir_<uid>_<job>.<step> on every node of a step, which fails on the second with a shared /tmp.
      # So DIR must not be under /tmp for this form. A repository that lives under /tmp (a CI clone, say) is bound
      # back into the node's /tmp, so the tasks still find the programs they run.
      spawn "$dir" "slurmd-n$k" "$k" unshare --uts --mount --propagation private /bin/sh -c \
        "hostname n$k && $(repository_into_private_tmp "$dir" "$k") exec slurmd -D -f '$dir/slurm.conf' -N n$k"
    done
  fi
  wait_for "every node idle" 60 all_idle "$dir" "$nodes"
}

# The shell commands that give node k a tmpfs /tmp and, when the repository is under /tmp, bind it back in.
repository_into_private_tmp() {
  local dir="$1" k="$2" repo
  repo="$(cd "$here/.." && pwd -P)"
  case "$repo" in
    /tmp/*)
      echo "mkdir -p '$dir/host-tmp-n$k' && mount --bind /tmp '$dir/host-tmp-n$k' && mount -t tmpfs -o mode=1777 mlxmpi-n$k-tmp /tmp &&" \
           "mkdir -p '$repo' && mount --bind '$dir/host-tmp-n$k/${repo#/tmp/}' '$repo' &&" ;;
    *) echo "mount -t tmpfs -o mode=1777 mlxmpi-n$k-tmp /tmp &&" ;;
  esac
}

all_idle() {
  local dir="$1" nodes="$2" states
  states="$(in_node "$dir" 1 env SLURM_CONF="$dir/slurm.conf" timeout 5 sinfo -h -N -o '%T' 2>/dev/null || true)"
  [ "$(grep -c '^idle' <<<"$states")" -eq "$nodes" ]
}

wait_for() {  # wait_for WHAT SECONDS CMD...
  local what="$1" seconds="$2"
  shift 2
  local deadline=$((SECONDS + seconds))
  while [ "$SECONDS" -lt "$deadline" ]; do
    "$@" && return 0
    sleep 0.25
  done
  echo "slurm-cluster: $what not ready after ${seconds} s; logs follow" >&2
  tail -n 20 "$SLURM_CONF_DIR"/*.log "$SLURM_CONF_DIR"/*.out >&2 2>/dev/null || true
  return 1
}

cmd_exec() {
  local dir="$1"
  shift
  [ -f "$dir/slurm.conf" ] || die "$dir holds no cluster"
  in_node "$dir" 1 env SLURM_CONF="$dir/slurm.conf" "$@"
}

cmd_down() {
  local dir="$1"
  [ -d "$dir" ] || return 0
  if [ -f "$dir/pids" ]; then
    local pid
    # The daemons first (SIGTERM, then SIGKILL for any left), then whatever job steps slurmstepd left.
    for pid in $(tac "$dir/pids"); do kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true; done
    sleep 0.5
    for pid in $(cat "$dir/pids"); do kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true; done
  fi
  local stepd
  for stepd in $(pgrep -f "slurmstepd.*" 2>/dev/null || true); do
    # Only steps of this cluster: their spool directory is under DIR.
    if tr '\0' ' ' <"/proc/$stepd/cmdline" 2>/dev/null | grep -q "$dir" || grep -qs "$dir" "/proc/$stepd/environ"; then
      kill -KILL "$stepd" 2>/dev/null || true
    fi
  done
  if [ -f "$dir/first_job" ]; then
    local first appdir job
    first="$(cat "$dir/first_job")"
    for appdir in /tmp/spmix_appdir_*; do
      [ -e "$appdir" ] || continue
      job="${appdir##*_}"
      job="${job%%.*}"
      if [[ "$job" =~ ^[0-9]+$ ]] && [ "$job" -ge "$first" ] && [ "$job" -lt $((first + 1000)) ]; then rm -rf "$appdir"; fi
    done
  fi
  if [ -f "$dir/netns" ]; then
    "$here/netns-cluster.sh" down "$(cat "$dir/netns")"
  fi
  rm -rf "$dir"
}

cmd_run() {
  local nodes=1
  if [ "${1:-}" = "--nodes" ]; then
    nodes="$2"
    shift 2
  fi
  [ $# -gt 0 ] || die "run: no command"
  local dir
  dir="$(mktemp -d "/var/tmp/mlxmpi-slurm-$$.XXXXXX")"
  rmdir "$dir"
  # shellcheck disable=SC2064  # expand now
  trap "cmd_down '$dir'" EXIT
  trap 'exit 130' INT TERM
  SLURM_CONF_DIR="$dir" cmd_up "$dir" "$nodes"
  cmd_exec "$dir" "$@"
}

case "${1:-}" in
  up) [ $# -ge 2 ] || die "usage: $0 up DIR [1|3]"; SLURM_CONF_DIR="$2" cmd_up "$2" "${3:-1}" ;;
  exec) [ $# -ge 3 ] || die "usage: $0 exec DIR CMD..."; shift; cmd_exec "$@" ;;
  down) [ $# -ge 2 ] || die "usage: $0 down DIR"; cmd_down "$2" ;;
  run) shift; cmd_run "$@" ;;
  *) die "usage: $0 up DIR [1|3] | exec DIR CMD... | down DIR | run [--nodes N] CMD..." ;;
esac
