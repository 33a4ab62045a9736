#!/usr/bin/env bash
# Runs the test suite: setup (system packages, restore), then dotnet test in Release over the solution.
# Extra arguments go to dotnet test, e.g.  build/test.sh --filter TestCategory!=Slow
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$here/build/setup.sh"
cd "$here"
dotnet build MLNetMarginLoss.sln -c Release --nologo -v quiet
dotnet test test/MLNetMarginLoss.Tests/MLNetMarginLoss.Tests.csproj -c Release --no-build --nologo \
  --logger "console;verbosity=normal" "$@"
