# syntax=docker/dockerfile:1
# The controller image: one executable, `controller`, whose verbs run a silo (`silo --role control|inference`), the
# RAN simulator (`ran-sim`) or the offline tools. No Docker engine runs in this project's CI: the file is linted and
# checked by tests/Controller.Host.Tests/Deployment/DockerfileTests.cs, and built by hand:
#   docker build -t controller:0.1.0 .
#   docker run --rm controller:0.1.0 --help
# Both stages are the .NET 10 images, Ubuntu 24.04, whose libstdc++ has what TorchSharp's native library asks for.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /source
# Node.js and npm build the dashboard's front end (npm ci + esbuild, run by Controller.Host.csproj).
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm && rm -rf /var/lib/apt/lists/*
# Restore first, from the build files alone, so that code edits do not invalidate the package layer. linux-x64 only:
# the image carries Linux libtorch and no other platform's native libraries.
COPY global.json Directory.Build.props Directory.Build.targets Directory.Packages.props .editorconfig ./
COPY src/Controller.Radio/Controller.Radio.csproj src/Controller.Radio/
COPY src/Controller.Optimization/Controller.Optimization.csproj src/Controller.Optimization/
COPY src/Controller.Policies/Controller.Policies.csproj src/Controller.Policies/
COPY src/Controller.Learning/Controller.Learning.csproj src/Controller.Learning/
COPY src/Controller.Learning/build/ src/Controller.Learning/build/
COPY src/Controller.Ran/Controller.Ran.csproj src/Controller.Ran/
COPY src/Controller.Grains/Controller.Grains.csproj src/Controller.Grains/
COPY src/Controller.Persistence/Controller.Persistence.csproj src/Controller.Persistence/
COPY src/Controller.Host/Controller.Host.csproj src/Controller.Host/
RUN dotnet restore src/Controller.Host/Controller.Host.csproj --runtime linux-x64
COPY src/ src/
# A developer's tree brings its own bin/, obj/ and node_modules/ along (the repository has no .dockerignore):
# drop them, so that the restore above (its packages are in this image's NuGet cache) is the one that counts.
# The Debian 12 step of src/Controller.Learning/build finds nothing to patch on Ubuntu 24.04.
RUN find src -depth -type d \( -name bin -o -name obj -o -name node_modules \) -exec rm -rf {} + \
 && dotnet publish src/Controller.Host/Controller.Host.csproj -c Release --runtime linux-x64 --self-contained false \
      -p:UseAppHost=false -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
# 5080: HTTP (API and dashboard on control silos; /healthz, /readyz, /metrics on every silo); 11111: silo-to-silo;
# 30000: Orleans gateway; 7070: the RAN simulator (`ran-sim --listen http://0.0.0.0:7070`).
EXPOSE 5080 11111 30000 7070
# The image has neither curl nor wget: bash (in the Ubuntu base) opens the TCP connection itself and the check
# passes on a 200 status line. Port 5080 unless CONTROLLER_HEALTH_PORT says otherwise; only a silo serves /healthz
# (Kubernetes ignores this and uses the chart's probes).
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${CONTROLLER_HEALTH_PORT:-5080} && printf 'GET /healthz HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q '^HTTP/1\\.[01] 200'"]
# The images' unprivileged user (APP_UID 1654); the root filesystem can be read-only (mount /tmp writable).
USER $APP_UID
ENTRYPOINT ["dotnet", "/app/controller.dll"]
CMD ["--help"]
