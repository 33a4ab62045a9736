#!/usr/bin/env bash
# Runs the test suites: setup (system packages, restore), a Release build of the solution, then dotnet test over the
# library's suite, the TorchSharp backend's suite (on the CPU; build/test-gpu.sh runs it on CUDA) and the MPI package's
# suite (an in-process world of threads, and real `mpiexec -np 2` runs over loopback).
# Extra arguments go to dotnet test, e.g.  build/test.sh --filter "FullyQualifiedName~Heads"
# Ends with one summary line: "N passed, N failed".
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$here/build/setup.sh"
cd "$here"
dotnet build MLNetMarginLoss.sln -c Release --nologo -v quiet
log="$(mktemp)"
# The tests' temporary files (models, and the graph copies of ML.NET models a test loads and never disposes) go to a
# folder of this run, removed at the end.
scratch="$(mktemp -d)"
trap 'rm -f "$log"; rm -rf "$scratch"' EXIT
export TMPDIR="$scratch"
status=0
for project in test/MLNetMarginLoss.Tests/MLNetMarginLoss.Tests.csproj test/MLNetMarginLoss.TorchSharp.Tests/MLNetMarginLoss.TorchSharp.Tests.csproj test/MLNetMarginLoss.Mpi.Tests/MLNetMarginLoss.Mpi.Tests.csproj; do
  dotnet test "$project" -c Release --no-build --nologo --logger "console;verbosity=normal" "$@" 2>&1 | tee -a "$log" || status=$?
done
# The runner's summary has "Passed: N" per project, and "Failed: N" only when something failed.
passed=$(awk '$1 == "Passed:" && $2 ~ /^[0-9]+$/ {s += $2} END {print s + 0}' "$log")
failed=$(awk '$1 == "Failed:" && $2 ~ /^[0-9]+$/ {s += $2} END {print s + 0}' "$log")
[ "$passed" -eq 0 ] && [ "$status" -eq 0 ] && { echo "no test ran" >&2; status=1; }
echo "${passed} passed, ${failed} failed"
exit "$status"
