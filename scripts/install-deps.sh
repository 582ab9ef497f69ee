#!/usr/bin/env bash
# Installs the Debian packages MlxMpi builds and tests with, when any is missing. Used by README's commands and
# by .ci/run, so a fresh Debian 12 machine with the .NET 10 SDK needs nothing else.
set -euo pipefail

packages=(
  openmpi-bin libopenmpi-dev   # the MPI the shim links and mpiexec launches (primary target)
  cmake g++ make               # builds the shim and its native tests (gcc brings ASan/UBSan)
  python3-clang-14 libclang1-14  # libclang's official Python bindings: scripts/generate_bindings.py
  python3-mpi4py python3-numpy   # the mpi4py comparison in the benchmark
)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all Debian packages present"
  exit 0
fi

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
