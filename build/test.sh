#!/usr/bin/env bash
# Runs the test suite: setup (system packages, restore), then dotnet test in Release over the solution.
# Extra arguments go to dotnet test, e.g.  build/test.sh --filter "FullyQualifiedName~Heads"
# Ends with one summary line: "N passed, N failed".
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$here/build/setup.sh"
cd "$here"
dotnet build MLNetMarginLoss.sln -c Release --nologo -v quiet
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
dotnet test test/MLNetMarginLoss.Tests/MLNetMarginLoss.Tests.csproj -c Release --no-build --nologo \
  --logger "console;verbosity=normal" "$@" 2>&1 | tee "$log" || status=$?
passed=$(grep -E '^\s+Passed:\s+[0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
failed=$(grep -E '^\s+Failed:\s+[0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
[ "$passed" -eq 0 ] && [ "$status" -eq 0 ] && { echo "no test ran" >&2; status=1; }
echo "${passed} passed, ${failed} failed"
exit "$status"
