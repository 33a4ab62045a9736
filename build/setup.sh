#!/usr/bin/env bash
# Installs what the project needs on a fresh Debian machine, then restores NuGet packages.
# Idempotent: packages already present are not reinstalled.
#   libopenblas0-pthread   fast cblas_sgemm (the engine falls back to a managed GEMM without it)
#   dataset-fashion-mnist  the real data the examples, the CLI's main job and the training tests use
#   fonts-dejavu-core      DejaVu Sans, the font the plots draw their text in
#   mpich                  MPICH's libmpich.so.12 and mpiexec: training across processes (MLNetMarginLoss.Mpi) and its tests
#                          (MPI.NET speaks MPICH's interface; Open MPI's mpirun does not work with it)
#   fonts-noto-cjk fonts-noto-cjk-extra fonts-wqy-zenhei fonts-wqy-microhei fonts-ipafont-gothic fonts-ipafont-mincho
#                          the CJK typefaces the glyph data set (GlyphImages, examples/GlyphRecognition) renders
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
packages=(libopenblas0-pthread dataset-fashion-mnist fonts-dejavu-core mpich
  fonts-noto-cjk fonts-noto-cjk-extra fonts-wqy-zenhei fonts-wqy-microhei fonts-ipafont-gothic fonts-ipafont-mincho)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v dotnet >/dev/null || { echo "setup: the .NET SDK (dotnet) is not on PATH; install .NET 10 first." >&2; exit 1; }
dotnet restore "$here/MLNetMarginLoss.sln" --nologo -v quiet
echo "setup: ready (openblas: $(ldconfig -p | grep -c libopenblas) libs, fashion-mnist: $(ls /usr/share/datasets/fashion-mnist/*.gz 2>/dev/null | wc -l) files, mpich: $(ldconfig -p | grep -c 'libmpich\.so\.12') libs)" >&2
