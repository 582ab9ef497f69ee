#!/usr/bin/env bash
# Installs the Debian packages MlxMpi builds and tests with, when any is missing. Used by README's commands and
# by .ci/run, so a fresh Debian 12 machine with the .NET 10 SDK needs nothing else.
set -euo pipefail

packages=(
  openmpi-bin libopenmpi-dev   # the MPI the shim links and mpiexec launches (primary target)
  mpich libmpich-dev           # the second MPI: libmlxmpi.mpich.so, Cake TestMpich (mpicc.mpich, mpiexec.mpich)
  iproute2                     # ip netns/veth/bridge: the multi-node tests (scripts/netns-cluster.sh)
  cmake g++ make               # builds the shim and its native tests (gcc brings ASan/UBSan)
  python3-clang-14 libclang1-14  # libclang's official Python bindings: scripts/generate_bindings.py
  valgrind                       # the native tests under memcheck (Cake NativeValgrind)
  patchelf                       # scripts/patch_libtorchsharp.py: TorchSharp on a libstdc++ older than GCC 13
  procps                         # pgrep: the fault tests look for rank processes left behind
  python3-mpi4py python3-numpy   # the mpi4py comparison in the benchmark
  python3-matplotlib             # the benchmark's plots (scripts/bench_report.py)
  slurm-wlm munge                # srun/sbatch tests on a throw-away cluster (scripts/slurm-cluster.sh)
  util-linux                     # nsenter/unshare: the 3-node Slurm cluster in network namespaces
  podman runc debootstrap        # the container tests (scripts/container-ci.sh): image built offline, runc runtime
  containernetworking-plugins    # podman's bridge networks (the two-container job)
)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all Debian packages present"
else
  echo "install-deps: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Open MPI stays the default MPI with MPICH beside it: plain mpicc, mpiexec, mpi.h and libmpi.so are Debian
# alternatives, and everything but TestMpich uses them. In auto mode Open MPI (priority 50) already beats MPICH (40);
# this only repairs a machine where they were switched by hand.
multiarch="$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)"
for pair in "mpi:/usr/bin/mpicc.openmpi" "mpirun:/usr/bin/mpirun.openmpi" \
            "mpi-$multiarch:/usr/lib/$multiarch/openmpi/include"; do
  name="${pair%%:*}"
  path="${pair#*:}"
  if [ "$(update-alternatives --query "$name" 2>/dev/null | awk '/^Value:/ {print $2}')" != "$path" ]; then
    echo "install-deps: pointing the $name alternative at Open MPI ($path)"
    $sudo update-alternatives --set "$name" "$path"
  fi
done
