#!/usr/bin/env bash
# MlxMpi's MPI tests inside Debian 12 containers (podman), as a container-based CI runs them:
#
#   container-ci.sh image     build the images when absent: mlxmpi-ci-base:bookworm (debootstrap minbase from the
#                             host's apt mirror, podman import: no registry) and mlxmpi-ci:bookworm (that plus
#                             Open MPI, MPICH and what the .NET host needs); both are reused by later runs
#   container-ci.sh suite     the MPI test subset (SUITE_FILTER) in one container, the repository and the host's
#                             .NET SDK mounted; the build outputs must exist (dotnet cake --target=Build)
#   container-ci.sh pair      one 4-rank Open MPI job across two containers on a podman network, launched by the
#                             host's mpiexec with `podman exec` as its rsh agent (ranks run only in the containers)
#   container-ci.sh all       image, suite, pair (the default)
#   container-ci.sh clean     remove this script's containers and network (never the images)
#
# Host settings podman needs here come from scripts/containers/containers.conf through CONTAINERS_CONF (runc,
# pinned ulimits); /etc is not touched. Containers and the network are named mlxmpi-ci-<pid> and removed on exit,
# also on failure or Ctrl-C. Needs root, podman, runc, debootstrap (scripts/install-deps.sh installs them).
# The test that runs this: tests/MlxMpi.Tests/Launchers/ContainerTests.cs.
set -euo pipefail

readonly here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly repo="$(cd "$here/.." && pwd)"
readonly base_image="mlxmpi-ci-base:bookworm"
readonly ci_image="mlxmpi-ci:bookworm"
readonly tag="mlxmpi-ci-$$"
readonly dotnet_root="${DOTNET_ROOT:-$(dirname "$(readlink -f "$(command -v dotnet)")")}"
readonly ca_bundle="/etc/ssl/certs/ca-certificates.crt"
# The mpiexec tests of the general scenarios (2, 3, 4 ranks), the MPICH shim under mpiexec.mpich and Open MPI, the
# singleton outside any launcher: each MPI, each launcher, the library's whole gather path, in about a minute here.
# The full suite adds 8-rank, fault, soak and diagnostics runs that test nothing container-specific.
readonly suite_filter="${SUITE_FILTER:-FullyQualifiedName~Mpi.GeneralScenarioTests|FullyQualifiedName~Mpi.MpichTests|FullyQualifiedName~Mpi.SingletonTests}"

export CONTAINERS_CONF="$here/containers/containers.conf"

die() { echo "container-ci: $*" >&2; exit 2; }
log() { echo "container-ci: $*" >&2; }

# The apt mirror this machine uses (deb822 or one-line sources), so the image comes from where the host's
# packages come from and needs no other network.
mirror() {
  local uri
  uri="$(grep -hs -E '^(URIs:|deb )' /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list \
    | grep -E 'debian/?$|debian ' | grep -v security | head -n1 \
    | sed -E 's/^URIs:[[:space:]]*//; s/^deb (\[[^]]*\] )?//; s/[[:space:]].*$//')"
  echo "${uri:-http://deb.debian.org/debian}"
}

cmd_image() {
  if ! podman image exists "$base_image"; then
    local root
    root="$(mktemp -d /tmp/mlxmpi-ci-root.XXXXXX)"
    # shellcheck disable=SC2064  # expand now: the trap must remove this directory
    trap "rm -rf '$root'" RETURN
    log "debootstrap --variant=minbase bookworm from $(mirror)"
    debootstrap --variant=minbase bookworm "$root" "$(mirror)" >"$root.log" 2>&1 || { tail -n 30 "$root.log" >&2; die "debootstrap failed"; }
    rm -f "$root.log"
    tar -C "$root" -c . | podman import - "$base_image" >/dev/null
    log "imported $base_image"
  fi
  if ! podman image exists "$ci_image"; then
    log "installing Open MPI and MPICH into $ci_image"
    # libicu72/libssl3: the .NET host's globalization and TLS; procps: the tests look for leftover rank processes.
    podman run --name "$tag-build" "$base_image" /bin/sh -c \
      'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
         openmpi-bin libopenmpi3 mpich libmpich12 ca-certificates libicu72 libssl3 procps >/dev/null && apt-get clean \
       && rm -rf /var/lib/apt/lists/*'
    podman commit -q "$tag-build" "$ci_image" >/dev/null
    podman rm -f "$tag-build" >/dev/null
    log "committed $ci_image"
  fi
}

# Mounts shared by every container: the repository at its own path (so the build outputs' paths hold), the host's
# SDK where Debian's packages put it, and the host's CA bundle so NuGet inside can reach its feed.
mounts() {
  echo "-v $repo:$repo -v $dotnet_root:/usr/share/dotnet:ro -v $ca_bundle:$ca_bundle:ro"
}

container_env() {
  echo "-e OMPI_ALLOW_RUN_AS_ROOT=1 -e OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 -e DOTNET_CLI_TELEMETRY_OPTOUT=1 -e DOTNET_NOLOGO=1 -e TERM=dumb -e PATH=/usr/share/dotnet:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
}

cmd_suite() {
  podman image exists "$ci_image" || die "no $ci_image: run '$0 image' first"
  local tests_dll="$repo/tests/MlxMpi.Tests/bin/Release/net10.0/MlxMpi.Tests.dll"
  [ -f "$tests_dll" ] || die "$tests_dll is not built: dotnet cake --target=Build"
  log "the MPI test subset in one container ($suite_filter)"
  # shellcheck disable=SC2046  # the option lists are meant to split
  podman run --rm --name "$tag-suite" --shm-size=1g $(mounts) $(container_env) -w "$repo" "$ci_image" \
    dotnet test tests/MlxMpi.Tests/MlxMpi.Tests.csproj -c Release --no-build --filter "$suite_filter" \
      --logger "console;verbosity=normal" --results-directory "$repo/artifacts/test-results-container"
}

cmd_pair() {
  podman image exists "$ci_image" || die "no $ci_image: run '$0 image' first"
  local worker="$repo/tests/MlxMpi.MpiWorker/bin/Release/net10.0/MlxMpi.MpiWorker.dll"
  [ -f "$worker" ] || die "$worker is not built: dotnet cake --target=Build"
  podman network create "$tag" >/dev/null
  local node
  for node in a b; do
    # shellcheck disable=SC2046
    podman run -d --name "$tag-$node" --hostname "$tag-$node" --network "$tag" --shm-size=1g $(mounts) $(container_env) \
      "$ci_image" sleep infinity >/dev/null
  done
  local subnet
  subnet="$(podman network inspect "$tag" --format '{{range .Subnets}}{{.Subnet}}{{end}}')"
  [ -n "$subnet" ] || die "podman network $tag has no subnet"
  log "two containers on $subnet: $tag-a, $tag-b"
  local mpiexec_flags=(--host "$tag-a:2,$tag-b:2" -n 4 --oversubscribe --bind-to none
    --mca plm_rsh_agent "$here/containers/podman-agent.sh" --mca plm_rsh_no_tree_spawn 1
    --mca btl tcp,self --mca btl_tcp_if_include "$subnet" --mca oob_tcp_if_include "$subnet" --mca rtc ^hwloc)
  # Where the ranks ran: two in each container, none on the host (the tests count these lines).
  MLXMPI_CI_TAG="$tag" OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
    timeout --kill-after=10 120 mpiexec "${mpiexec_flags[@]}" /bin/sh -c 'echo "PLACED $(hostname)"'
  echo "PAIR JOB"   # the tests read the pair's results from here on
  # The host's mpiexec (the same Open MPI 4.1.4 as the image's) starts one orted in each container through the agent,
  # which is `podman exec` in place of ssh; its daemons and the ranks talk TCP over the podman network only.
  MLXMPI_CI_TAG="$tag" OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 TERM=dumb \
    timeout --kill-after=10 240 mpiexec "${mpiexec_flags[@]}" -x TERM -x OMPI_ALLOW_RUN_AS_ROOT -x OMPI_ALLOW_RUN_AS_ROOT_CONFIRM \
      /usr/share/dotnet/dotnet "$worker" "$@"
}

cmd_clean() {
  local name
  for name in $(podman ps -a --format '{{.Names}}' | grep -E '^mlxmpi-ci-[0-9]+(-[a-z]+)?$' || true); do
    local pid="${name#mlxmpi-ci-}"
    pid="${pid%%-*}"
    if [ "$pid" = "$$" ] || ! kill -0 "$pid" 2>/dev/null; then
      podman rm -f -t 0 "$name" >/dev/null 2>&1 || true
    fi
  done
  for name in $(podman network ls --format '{{.Name}}' | grep -E '^mlxmpi-ci-[0-9]+$' || true); do
    local pid="${name#mlxmpi-ci-}"
    if [ "$pid" = "$$" ] || ! kill -0 "$pid" 2>/dev/null; then
      podman network rm -f "$name" >/dev/null 2>&1 || true
    fi
  done
}

[ "$(id -u)" -eq 0 ] || die "needs root (podman with the host's network and mounts)"
command -v podman >/dev/null || die "podman is not installed (scripts/install-deps.sh)"
trap cmd_clean EXIT
trap 'exit 130' INT TERM

case "${1:-all}" in
  image) cmd_image ;;
  suite) cmd_suite ;;
  pair) shift; cmd_pair "${@:-all_dtypes}" ;;
  all) cmd_image; cmd_suite; cmd_pair mpi_flavor all_dtypes large_payload subgroup_parity mismatch_dtype ;;
  clean) ;;
  *) die "usage: $0 image|suite|pair [scenario...]|all|clean" ;;
esac
