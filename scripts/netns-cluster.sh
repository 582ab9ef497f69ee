#!/usr/bin/env bash
# A 3-node MPI "cluster" on this one machine, made of network namespaces, so that MPI jobs cross a real (virtual)
# network: TCP over veth pairs and a bridge, no shared memory between nodes.
#
#   NAME-sw        the switch: bridge br0 (no address) with ports p1 p2 p3
#   NAME-n1..n3    the nodes: lo, and eth0 (the veth peer of pK) with 10.231.0.K/24; no other interface, no route
#
# Nothing outside these namespaces is touched: no interface, address, route or file of the machine's own network
# (the subnet exists only inside them). Open MPI's mpiexec runs in NAME-n1 and starts its daemons on n2 and n3
# through the rsh launcher, with scripts/netns-agent.sh as the "rsh" that runs the command in the node's namespace.
# NAME must be mlxmpi-mn-<pid of the owner>: clean-stale removes clusters whose owner is gone (a killed test run).
#
# usage: netns-cluster.sh up NAME            create the namespaces, links and addresses
#        netns-cluster.sh down NAME          kill whatever still runs in them, delete them (always safe to call)
#        netns-cluster.sh clean-stale        down every mlxmpi-mn-<pid> cluster whose <pid> is not alive
#        netns-cluster.sh link NAME NODE up|down      take a node's link (eth0) down or up
#        netns-cluster.sh pids NAME          the processes still running in the node namespaces, one "ns pid" a line
#        netns-cluster.sh mpiexec NAME [mpiexec args] program...   mpiexec across the 3 nodes, 2 slots each
#        netns-cluster.sh run [mpiexec args] program...   up, mpiexec, down (also on failure or Ctrl-C)
#
# Needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN) and iproute2. The test tests/MlxMpi.Tests/MultiNode uses it.
set -euo pipefail

readonly here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly prefix="mlxmpi-mn-"
readonly subnet="10.231.0.0/24"
readonly nodes=(1 2 3)

die() { echo "netns-cluster: $*" >&2; exit 2; }

check_name() {
  [[ "${1:-}" =~ ^mlxmpi-mn-[0-9]+$ ]] || die "cluster name must be ${prefix}<pid>, not '${1:-}'"
}

namespaces_of() { echo "$1-sw" "$1-n1" "$1-n2" "$1-n3"; }

cmd_up() {
  local name="$1"
  check_name "$name"
  local ns
  for ns in $(namespaces_of "$name"); do
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    # IPv4 only: no IPv6 link-local chatter, and MPI cannot pick another address family by accident.
    ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    # A lost node must be noticed in seconds, not after Linux's default ~15 minutes of retransmissions (which
    # would keep mpiexec waiting for an unreachable daemon, and that daemon alive, long after an MPI_Abort):
    # 4 retries give up after about 6 s. Per namespace, like every setting here.
    ip netns exec "$ns" sysctl -q -w net.ipv4.tcp_retries2=4
  done
  ip -n "$name-sw" link add br0 type bridge
  ip -n "$name-sw" link set br0 up
  local k
  for k in "${nodes[@]}"; do
    # Created in the switch namespace with its peer directly in the node's: neither end ever exists in the
    # machine's own namespace, so no name there can clash.
    ip -n "$name-sw" link add "p$k" type veth peer name eth0 netns "$name-n$k"
    ip -n "$name-sw" link set "p$k" master br0
    ip -n "$name-sw" link set "p$k" up
    ip -n "$name-n$k" addr add "10.231.0.$k/24" dev eth0
    ip -n "$name-n$k" link set eth0 up
  done
}

cmd_pids() {
  local name="$1" ns pid
  check_name "$name"
  for ns in $(namespaces_of "$name"); do
    [ -e "/run/netns/$ns" ] || continue
    for pid in $(ip netns pids "$ns" 2>/dev/null); do
      echo "$ns $pid"
    done
  done
}

cmd_down() {
  local name="$1" ns pid
  check_name "$name"
  # A namespace lives on while a process is in it, so whatever a failed run left there is killed first, by pid.
  for ns in $(namespaces_of "$name"); do
    [ -e "/run/netns/$ns" ] || continue
    for pid in $(ip netns pids "$ns" 2>/dev/null); do
      kill -KILL "$pid" 2>/dev/null || true
    done
  done
  local tries=0
  while [ -n "$(cmd_pids "$name")" ] && [ $tries -lt 50 ]; do
    sleep 0.1
    tries=$((tries + 1))
  done
  for ns in $(namespaces_of "$name"); do
    if [ -e "/run/netns/$ns" ]; then
      ip netns del "$ns"
    fi
  done
}

cmd_clean_stale() {
  local ns name owner
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^${prefix}[0-9]*-" || true); do
    name="${ns%-*}"
    owner="${name#"$prefix"}"
    if ! kill -0 "$owner" 2>/dev/null; then
      echo "netns-cluster: removing $ns, left by a run (pid $owner) that is gone" >&2
      cmd_down "$name"
    fi
  done
}

cmd_link() {
  local name="$1" node="$2" state="$3"
  check_name "$name"
  [[ "$node" =~ ^n[123]$ ]] || die "node must be n1, n2 or n3, not '$node'"
  [[ "$state" =~ ^(up|down)$ ]] || die "state must be up or down"
  ip -n "$name-$node" link set eth0 "$state"
}

cmd_mpiexec() {
  local name="$1"
  shift
  check_name "$name"
  # btl tcp,self: no shared memory, even between the two ranks of one node (vader would take over there);
  # every byte between ranks goes over TCP, between nodes across the bridge. mpi_yield_when_idle: 6 ranks on a
  # small machine would otherwise spin against each other (Open MPI counts 2 slots per node, not the real cores).
  # rtc ^hwloc: the daemons of n2 and n3 share this machine's /tmp and hostname, and Open MPI 4.1.4's hwloc runtime
  # control writes the topology to a shared-memory file named after them; racing on it, one daemon segfaulted in
  # hwloc_shmem_topology_write in about 1 launch of 10, silently (--daemonize), and mpiexec waited for it forever.
  # Binding is off (--bind-to none), so nothing here needs that component.
  exec ip netns exec "$name-n1" env MLXMPI_NETNS_CLUSTER="$name" \
    mpiexec --allow-run-as-root \
      --host 10.231.0.1:2,10.231.0.2:2,10.231.0.3:2 \
      --mca plm_rsh_agent "$here/netns-agent.sh" --mca plm_rsh_no_tree_spawn 1 \
      --mca btl tcp,self --mca btl_tcp_if_include "$subnet" --mca oob_tcp_if_include "$subnet" \
      --mca mpi_yield_when_idle 1 --bind-to none --mca rtc ^hwloc \
      --mca oob_tcp_keepalive_time 2 --mca oob_tcp_keepalive_intvl 1 --mca oob_tcp_keepalive_probes 3 \
      "$@"
}

cmd_run() {
  run_cluster="${prefix}$$"
  local status=0
  trap 'cmd_down "$run_cluster"' EXIT
  trap 'exit 130' INT TERM
  cmd_clean_stale
  cmd_up "$run_cluster"
  (cmd_mpiexec "$run_cluster" "$@") || status=$?
  return "$status"
}

[ $# -ge 1 ] || die "usage: $0 up|down|clean-stale|link|pids|mpiexec|run ... (see the header)"
command="$1"
shift
case "$command" in
  up) [ $# -eq 1 ] || die "usage: $0 up NAME"; cmd_up "$1" ;;
  down) [ $# -eq 1 ] || die "usage: $0 down NAME"; cmd_down "$1" ;;
  clean-stale) cmd_clean_stale ;;
  link) [ $# -eq 3 ] || die "usage: $0 link NAME NODE up|down"; cmd_link "$@" ;;
  pids) [ $# -eq 1 ] || die "usage: $0 pids NAME"; cmd_pids "$1" ;;
  mpiexec) [ $# -ge 2 ] || die "usage: $0 mpiexec NAME program..."; cmd_mpiexec "$@" ;;
  run) [ $# -ge 1 ] || die "usage: $0 run program..."; cmd_run "$@" ;;
  *) die "unknown command '$command'" ;;
esac
