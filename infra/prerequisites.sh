# Sourced by infra/run and infra/test: checks (and, as root, installs) what the controller needs.
# Debian packages and npm tools join this list as features need them (Node.js to build the dashboard, Azurite for
# blob storage, Chromium for the dashboard's browser tests); each entry says which feature needs it. Training and the torchsharp backend need nothing
# here: TorchSharp and libtorch come from NuGet with `dotnet restore` (src/Controller.Learning/README.md).

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

# The locks that apt-get and dpkg take. Another apt, dpkg or unattended-upgrades holding one of them makes
# apt-get fail at once ("Could not get lock"), so every apt-get here waits for them first, up to
# APT_LOCK_TIMEOUT seconds (default 600), and passes the same timeout to apt-get for the race in between.
APT_LOCK_FILES=(/var/lib/dpkg/lock-frontend /var/lib/dpkg/lock /var/lib/apt/lists/lock /var/cache/apt/archives/lock)
APT_LOCK_TIMEOUT=${APT_LOCK_TIMEOUT:-600}

# apt_lock_holder: prints "PID LOCKFILE" for the first lock in APT_LOCK_FILES that a process holds; prints
# nothing when all are free. apt takes fcntl (POSIX) locks, which /proc/locks lists by inode; fuser is the
# fallback where /proc/locks cannot be read.
apt_lock_holder() {
  local lock inode pid
  for lock in "${APT_LOCK_FILES[@]}"; do
    [ -e "$lock" ] || continue
    pid=
    if [ -r /proc/locks ]; then
      inode=$(stat -c %i "$lock" 2>/dev/null) || continue
      # Fields: "1: POSIX ADVISORY WRITE PID MAJ:MIN:INODE START END"; lines with "->" are waiters, not holders.
      pid=$(awk -v inode="$inode" '$2 != "->" { n = split($6, id, ":"); if (id[n] == inode && $5 > 0) { print $5; exit } }' /proc/locks)
    elif command -v fuser >/dev/null 2>&1; then
      pid=$(fuser "$lock" 2>/dev/null | awk '{ print $1; exit }') || pid=
    fi
    if [ -n "$pid" ]; then
      echo "$pid $lock"
      return 0
    fi
  done
}

# wait_for_apt_lock: returns once no process holds an apt/dpkg lock; says once whom it waits for. Fails after
# APT_LOCK_TIMEOUT seconds, naming the holder.
wait_for_apt_lock() {
  local holder pid lock name said=0 start=$SECONDS
  while holder=$(apt_lock_holder) && [ -n "$holder" ]; do
    pid=${holder%% *}
    lock=${holder#* }
    name=$(cat "/proc/$pid/comm" 2>/dev/null || echo unknown)
    if [ $((SECONDS - start)) -ge "$APT_LOCK_TIMEOUT" ]; then
      echo "gave up after ${APT_LOCK_TIMEOUT} s waiting for the apt lock held by PID $pid ($name) on $lock; rerun when it has finished (or set APT_LOCK_TIMEOUT)." >&2
      return 1
    fi
    if [ "$said" -eq 0 ]; then
      echo "waiting for the apt lock held by PID $pid ($name) on $lock (up to ${APT_LOCK_TIMEOUT} s)" >&2
      said=1
    fi
    sleep 2
  done
  return 0
}

# apt_get ARGS...: apt-get, non-interactive, after waiting for the apt/dpkg locks.
apt_get() {
  wait_for_apt_lock || return 1
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout="$APT_LOCK_TIMEOUT" "$@"
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
    (apt_get update -qq && apt_get install -y -qq "${missing[@]}") >/dev/null || {
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

# need_node: Node.js and npm, which build the dashboard's front end when Controller.Host builds (its csproj runs
# `npm ci` and esbuild in src/Controller.Host/Dashboard/web; the packages are pinned by its package-lock.json).
need_node() {
  command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 && return 0
  if [ "$(id -u)" -eq 0 ]; then
    apt_need nodejs npm
  else
    echo "missing: Node.js and npm, needed to build the dashboard (run as root, or: sudo apt-get install nodejs npm)." >&2
    return 1
  fi
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


# need_test_tools: Debian packages the tests run for real: Prometheus, which scrapes a running demo's /metrics in
# tests/Controller.Host.Tests/Api/DemoSurfacesProcessTests.cs; Chromium, which Playwright drives through the dashboard
# in tests/Controller.Host.Tests/Dashboard (Debian's build: Playwright never downloads a browser here).
# Installed when root, named when missing.
need_test_tools() {
  apt_need prometheus chromium
}

# need_cluster_tools: redis-server, the membership store of `controller cluster` and `controller bench failover`
# (infra/cluster) and of the cluster process tests in tests/Controller.Host.Tests/Cluster. Installed when root,
# named when missing.
need_cluster_tools() {
  apt_need redis-server
}

# need_load_tools: wrk, the HTTP load generator of infra/bench-api (reads against a running demo).
need_load_tools() {
  apt_need wrk
}
