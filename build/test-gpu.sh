#!/usr/bin/env bash
# Runs the TorchSharp backend's tests on a CUDA GPU: the cross-backend agreement tests (every head, every encoder,
# the optimizers), the training tests through the ML.NET trainer, the loader's cold-start test and the device tests,
# all on device "cuda" (MLNET_MARGIN_TEST_DEVICE=cuda), with libtorch's CUDA natives in place of the CPU ones.
#
# Needs: an NVIDIA GPU and driver (nvidia-smi lists the GPU) and the package TorchSharp-cuda-linux 0.107.0 from the
# package feed (override with TORCHSHARP_CUDA_PACKAGE, e.g. TorchSharp-cuda-windows under a Windows bash). Without
# them it fails with one clear line and exit status 1: a GPU check that cannot run never passes as skipped.
# Extra arguments go to dotnet test, e.g.  build/test-gpu.sh --filter "FullyQualifiedName~Agreement"
# Ends with one summary line: "N passed, N failed".
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
fail() { echo "test-gpu: $*" >&2; exit 1; }

command -v nvidia-smi >/dev/null 2>&1 || fail "no NVIDIA driver here (nvidia-smi not found); this script needs a CUDA GPU."
gpus="$(nvidia-smi -L 2>/dev/null | grep -c '^GPU ' || true)"
[ "${gpus:-0}" -gt 0 ] || fail "nvidia-smi lists no GPU; this script needs a CUDA GPU."
nvidia-smi -L

package="${TORCHSHARP_CUDA_PACKAGE:-TorchSharp-cuda-linux}"
artifacts="$here/artifacts/test-gpu"
# A separate output tree, so that the CUDA build does not replace the CPU build of the normal test run.
dotnet build test/MLNetMarginLoss.TorchSharp.Tests -c Release --nologo -v quiet \
  --artifacts-path "$artifacts" -p:TorchSharpNativePackage="$package" \
  || fail "the build with $package 0.107.0 failed (is the package reachable from the package feed?)."
dll="$(find "$artifacts/bin/MLNetMarginLoss.TorchSharp.Tests" -name MLNetMarginLoss.TorchSharp.Tests.dll | head -1)"
[ -n "$dll" ] || fail "the test assembly was not built under $artifacts."
find "$(dirname "$dll")" -name 'libtorch_cuda.so' -o -name 'torch_cuda.dll' | grep -q . \
  || fail "$package restored no CUDA build of libtorch (libtorch_cuda.so is missing next to the tests)."

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
MLNET_MARGIN_TEST_DEVICE=cuda dotnet test "$dll" --nologo --logger "console;verbosity=normal" "$@" 2>&1 | tee "$log" || status=$?
passed=$(grep -E '^\s+Passed:\s+[0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
failed=$(grep -E '^\s+Failed:\s+[0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
[ "$passed" -eq 0 ] && [ "$status" -eq 0 ] && { echo "test-gpu: no test ran" >&2; status=1; }
echo "${passed} passed, ${failed} failed"
exit "$status"
