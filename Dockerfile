# syntax=docker/dockerfile:1
# The controller image: one executable, `controller`, whose verbs run a silo, the RAN simulator or the
# offline tools. Not built in this project's CI (no Docker engine there); kept buildable by hand.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /source
# Node.js and npm build the dashboard's front end (npm ci + esbuild, run by Controller.Host.csproj).
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm && rm -rf /var/lib/apt/lists/*
# Restore first, from the build files alone, so that code edits do not invalidate the package layer.
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
RUN dotnet restore src/Controller.Host/Controller.Host.csproj
COPY src/ src/
# The images are Ubuntu 24.04, whose libstdc++ has what TorchSharp's native library asks for: the Debian 12 build step
# (src/Controller.Learning/build) finds nothing to do here.
RUN dotnet publish src/Controller.Host/Controller.Host.csproj -c Release --no-restore -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
# 5080: the silo's HTTP API (`demo --listen`); 11111: silo-to-silo calls over HTTP/2 (`silo --role inference --listen`).
EXPOSE 5080 11111
# The runtime image's unprivileged user; state directories are mounted volumes owned by it.
USER $APP_UID
ENTRYPOINT ["dotnet", "/app/controller.dll"]
CMD ["--help"]
