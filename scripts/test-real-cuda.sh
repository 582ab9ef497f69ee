#!/usr/bin/env bash
# Runs the shim's native GPU-path tests against a REAL CUDA runtime instead of the test double:
# one command on a machine with an NVIDIA GPU and driver, libcudart (CUDA 11 or 12), CMake, a C
# compiler and an MPI (no CUDA toolkit headers are needed: the shim opens libcudart at run time).
#
#   scripts/test-real-cuda.sh                          # libcudart as the shim finds it itself
#   scripts/test-real-cuda.sh /usr/local/cuda/lib64/libcudart.so.12
#
# The same programs as the double's tests (ctest label "device") run with MLXMPI_CUDART_PATH
# unset, or set to the path given; checks that only the double can answer (its record of copies,
# injected failures) are skipped. The staging path always runs; the direct path runs when the MPI
# reports itself CUDA-aware (MPIX_Query_cuda_support / MPIX_GPU_query_support) and is reported
# as skipped otherwise. Build directory: $MLXMPI_REAL_CUDA_BUILD (default build/real-cuda).
set -euo pipefail
cd "$(dirname "$0")/.."

runtime="${1:-system}"
build="${MLXMPI_REAL_CUDA_BUILD:-build/real-cuda}"

if [ "$runtime" = system ]; then
  if ! ldconfig -p 2>/dev/null | grep -Eq 'libcudart\.so(\.12|\.11\.0)? '; then
    echo "test-real-cuda: the dynamic linker knows no libcudart.so, .so.12 or .so.11.0;" >&2
    echo "  pass the library's path: scripts/test-real-cuda.sh /path/to/libcudart.so" >&2
    exit 2
  fi
elif [ ! -f "$runtime" ]; then
  echo "test-real-cuda: $runtime does not exist" >&2
  exit 2
fi
if command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi -L || true
fi

cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMLXMPI_TEST_CUDART="$runtime"
cmake --build "$build" --parallel
# An unset MLXMPI_CUDART_PATH is what "system" means: drop one inherited from the caller's shell.
if [ "$runtime" = system ]; then
  unset MLXMPI_CUDART_PATH
fi
cd "$build"
ctest -L device --output-on-failure
