#!/usr/bin/env bash
# Open MPI's "rsh" for the namespace cluster of scripts/netns-cluster.sh (--mca plm_rsh_agent): called as
#   netns-agent.sh HOST COMMAND...
# exactly as ssh would be, it runs COMMAND with sh in the network namespace of node HOST instead of on a remote
# machine. HOST is a node's address (10.231.0.K) or name (nK); MLXMPI_NETNS_CLUSTER names the cluster, and
# mpiexec passes it on because the agent inherits mpiexec's environment.
set -euo pipefail

[ $# -ge 2 ] || { echo "netns-agent: usage: $0 HOST COMMAND..." >&2; exit 2; }
cluster="${MLXMPI_NETNS_CLUSTER:-}"
[[ "$cluster" =~ ^mlxmpi-mn-[0-9]+$ ]] || { echo "netns-agent: MLXMPI_NETNS_CLUSTER is '$cluster', not a cluster name" >&2; exit 2; }

host="$1"
shift
case "$host" in
  10.231.0.1 | n1) node=n1 ;;
  10.231.0.2 | n2) node=n2 ;;
  10.231.0.3 | n3) node=n3 ;;
  *) echo "netns-agent: unknown host '$host' (expected 10.231.0.1-3 or n1-n3)" >&2; exit 2 ;;
esac

# ssh hands its arguments, joined by spaces, to the remote user's shell; so does this.
exec ip netns exec "$cluster-$node" /bin/sh -c "$*"
