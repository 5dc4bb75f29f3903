# Sourced by infra/run and infra/test: checks (and, as root, installs) what the controller needs.
# Debian packages and npm tools join this list as features need them (PyTorch for training, Chromium
# for dashboard tests, Azurite for blob storage); each entry says which feature needs it.

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
