#!/usr/bin/env bash
# Open MPI's "rsh" for scripts/container-ci.sh pair (--mca plm_rsh_agent): called as ssh would be,
#   podman-agent.sh HOST COMMAND...
# it runs COMMAND with sh inside container HOST (one of this run's, named MLXMPI_CI_TAG-<x>) through podman exec.
set -euo pipefail
[ $# -ge 2 ] || { echo "podman-agent: usage: $0 HOST COMMAND..." >&2; exit 2; }
host="$1"
shift
tag="${MLXMPI_CI_TAG:-}"
[[ "$tag" =~ ^mlxmpi-ci-[0-9]+$ && "$host" == "$tag"-* ]] || { echo "podman-agent: '$host' is not a container of this run ($tag)" >&2; exit 2; }
# -i keeps stdin open: orted watches it to learn that mpiexec went away.
exec podman exec -i "$host" /bin/sh -c "$*"
