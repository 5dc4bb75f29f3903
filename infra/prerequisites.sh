# Sourced by infra/run and infra/test: checks (and, as root, installs) what the controller needs.
# Debian packages and npm tools join this list as features need them (PyTorch for training, Chromium
# for dashboard tests, Azurite for blob storage); each entry says which feature needs it.

# Debian's interpreter: Debian's python3-torch is installed for it, while the default python3 on PATH may be
# another interpreter without torch.
PYTHON=/usr/bin/python3

need_dotnet() {
  if ! command -v dotnet >/dev/null 2>&1; then
    echo "missing: the .NET 10 SDK ('dotnet' is not on PATH). Install .NET SDK 10.0.4xx (see global.json), then rerun." >&2
    return 1
  fi
  local major
  major=$(dotnet --version 2>/dev/null | cut -d. -f1)
  if [ "${major:-0}" -lt 10 ]; then
    echo "missing: .NET SDK 10 or later (found $(dotnet --version 2>/dev/null || echo none))." >&2
    return 1
  fi
}

# apt_need PACKAGE... : installs Debian packages when root, otherwise names what is missing.
apt_need() {
  local missing=()
  for p in "$@"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -eq 0 ]; then
    echo "installing Debian packages: ${missing[*]}" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}") >/dev/null || {
      echo "could not install: ${missing[*]} (apt-get failed)" >&2
      return 1
    }
  else
    echo "missing Debian packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})" >&2
    return 1
  fi
}

restore_solution() {
  dotnet restore "$ROOT/Controller.sln" --nologo -v quiet >/dev/null || {
    echo "dotnet restore failed: the NuGet feed must be reachable (see Directory.Packages.props for the packages)." >&2
    return 1
  }
}

# need_azurite: the Azure Storage emulator that the AzureBlobGrainStorage tests start (Category=Azurite).
# Pinned in infra/tools/package-lock.json; npm installs it under infra/tools/node_modules, so no root is needed.
need_azurite() {
  [ -x "$ROOT/infra/tools/node_modules/.bin/azurite-blob" ] && return 0
  if ! command -v npm >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then
      apt_need nodejs npm || return 1
    else
      echo "missing: npm (Node.js), needed to install Azurite for the blob storage tests (run as root, or: sudo apt-get install nodejs npm)." >&2
      return 1
    fi
  fi
  echo "installing Azurite into infra/tools/node_modules (npm ci)" >&2
  npm ci --prefix "$ROOT/infra/tools" --no-audit --no-fund --loglevel=error >/dev/null || {
    echo "could not install Azurite: 'npm ci --prefix infra/tools' failed (the npm registry must be reachable)." >&2
    return 1
  }
}

# need_python_torch: PyTorch 1.13 (CPU), numpy, matplotlib and pytest for Debian's python3: the training
# package src/training (exports -> artifacts), its torch inference worker and their tests. Also OpenBLAS:
# Debian's torch calls the system BLAS, and the reference BLAS makes training about 7x slower (a convenience,
# not a requirement, when it cannot be installed).
need_python_torch() {
  local modules="torch numpy matplotlib pytest"
  local missing=() m
  for m in $modules; do
    [ -x "$PYTHON" ] && "$PYTHON" -c "import $m" >/dev/null 2>&1 || missing+=("python3-$m")
  done
  local blas=1
  dpkg -s libopenblas0-pthread >/dev/null 2>&1 || blas=0
  [ ${#missing[@]} -eq 0 ] && [ "$blas" -eq 1 ] && return 0
  if [ "$(id -u)" -eq 0 ]; then
    apt_need python3 python3-torch python3-numpy python3-matplotlib python3-pytest libopenblas0-pthread || return 1
    for m in $modules; do
      "$PYTHON" -c "import $m" >/dev/null 2>&1 || {
        echo "installed the Debian packages, but $PYTHON still cannot import $m" >&2
        return 1
      }
    done
    return 0
  fi
  if [ ${#missing[@]} -gt 0 ]; then
    echo "missing for $PYTHON (training and its tests): ${missing[*]} (run as root, or: sudo apt-get install python3-torch python3-numpy python3-matplotlib python3-pytest)" >&2
    return 1
  fi
  echo "note: libopenblas0-pthread is not installed; training runs about 7x slower on the reference BLAS (sudo apt-get install libopenblas0-pthread)" >&2
}
