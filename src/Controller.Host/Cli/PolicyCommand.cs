using System.CommandLine;
using System.Globalization;
using Controller.Policies;
using Controller.Policies.ArtifactFormat;
using Controller.Persistence;

namespace Controller.Host.Cli;

/// <summary>
/// <c>controller policy list | show | import</c>: the policy registry in the runtime's storage (the silo's
/// state directory by default, Azure Blob Storage with <c>--blob</c>), beside the artifacts bundled with the executable.
/// </summary>
internal static class PolicyCommand
{
    public const string RegistryKind = "policy";

    public static Command Create(CliStreams io)
    {
        var stateDir = new Option<string>("--state-dir") { Description = "the silo's state directory holding the registry (default: the demo's)", DefaultValueFactory = _ => DemoCommand.DefaultStateDirectory() };
        var blob = new Option<string?>("--blob-from-env") { Description = "name of an environment variable holding an Azure Blob Storage connection string (e.g. UseDevelopmentStorage=true for Azurite), used instead of --state-dir; secrets never go on the command line" };
        var container = new Option<string>("--container") { Description = "blob container of the registry", DefaultValueFactory = _ => "controller" };
        var json = new Option<bool>("--json") { Description = "print one JSON document on stdout" };

        var list = new Command("list", "Policies in the registry and bundled with the executable.") { stateDir, blob, container, json };
        list.SetAction(async (parsed, cancellationToken) =>
        {
            var registry = Open(parsed.GetRequiredValue(stateDir), BlobFromEnvironment(parsed.GetValue(blob)), parsed.GetRequiredValue(container));
            var entries = await registry.ListAsync(cancellationToken).ConfigureAwait(false);
            var bundled = HostPolicies.Learned.AvailableArtifacts();
            if (parsed.GetValue(json))
            {
                Json.Write(io.Output, writer =>
                {
                    writer.WriteStartObject();
                    writer.WriteString("registry", registry.Location);
                    writer.WriteStartArray("policies");
                    foreach (var entry in entries)
                    {
                        writer.WriteStartObject();
                        writer.WriteString("name", entry.Name);
                        writer.WriteString("source", "registry");
                        writer.WriteString("architecture", entry.Metadata.GetValueOrDefault("architecture"));
                        writer.WriteString("version", entry.Version);
                        writer.WriteString("importedUtc", entry.ImportedUtc);
                        writer.WriteEndObject();
                    }

                    foreach (var name in bundled)
                    {
                        writer.WriteStartObject();
                        writer.WriteString("name", name);
                        writer.WriteString("source", "bundled");
                        writer.WriteString("architecture", HostPolicies.Learned.Load(name).Manifest.Architecture);
                        writer.WriteEndObject();
                    }

                    foreach (var (name, description) in BuiltIn())
                    {
                        writer.WriteStartObject();
                        writer.WriteString("name", name);
                        writer.WriteString("source", "built-in");
                        writer.WriteString("description", description);
                        writer.WriteEndObject();
                    }

                    writer.WriteEndArray();
                    writer.WriteEndObject();
                });
            }
            else
            {
                io.Output.WriteLine($"registry: {registry.Location}");
                foreach (var entry in entries)
                {
                    io.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {entry.Name,-32} {entry.Metadata.GetValueOrDefault("architecture"),-14} imported {entry.ImportedUtc:u} ({entry.Version})"));
                }

                if (entries.Count == 0)
                {
                    io.Output.WriteLine("  (empty; 'controller policy import DIR' adds one)");
                }

                io.Output.WriteLine($"bundled: {HostPolicies.Learned.ArtifactsRoot}");
                foreach (var name in bundled)
                {
                    io.Output.WriteLine($"  {name,-32} {HostPolicies.Learned.Load(name).Manifest.Architecture}");
                }

                io.Output.WriteLine("built-in (baselines, ISAC beamforming, wrappers):");
                foreach (var (name, _) in BuiltIn())
                {
                    io.Output.WriteLine($"  {name}");
                }
            }

            return 0;
        });

        var showName = new Argument<string>("name") { Description = "policy name (registry first, then bundled)" };
        var show = new Command("show", "One policy's manifest: architecture, training, validation metrics, files.") { showName, stateDir, blob, container, json };
        show.SetAction(async (parsed, cancellationToken) =>
        {
            var name = parsed.GetRequiredValue(showName);
            var registry = Open(parsed.GetRequiredValue(stateDir), BlobFromEnvironment(parsed.GetValue(blob)), parsed.GetRequiredValue(container));
            var entry = await registry.FindAsync(name, cancellationToken).ConfigureAwait(false);
            string manifestJson;
            string source;
            if (entry is not null)
            {
                var files = await registry.ReadFilesAsync(name, cancellationToken).ConfigureAwait(false);
                manifestJson = System.Text.Encoding.UTF8.GetString(files.Single(f => f.Key == PolicyManifest.FileName).Value);
                source = $"registry {registry.Location}, version {entry.Version}, imported {entry.ImportedUtc:u}";
            }
            else if (HostPolicies.Learned.AvailableArtifacts().Contains(name))
            {
                manifestJson = await File.ReadAllTextAsync(Path.Combine(HostPolicies.Learned.ArtifactsRoot, name, PolicyManifest.FileName), cancellationToken).ConfigureAwait(false);
                source = $"bundled {Path.Combine(HostPolicies.Learned.ArtifactsRoot, name)}";
            }
            else
            {
                var known = (await registry.ListAsync(cancellationToken).ConfigureAwait(false)).Select(e => e.Name).Concat(HostPolicies.Learned.AvailableArtifacts());
                throw new CliUsageException($"No policy '{name}' in the registry ({registry.Location}) or bundled; known: {string.Join(", ", known.DefaultIfEmpty("none"))}.");
            }

            if (parsed.GetValue(json))
            {
                io.Output.WriteLine(manifestJson.Trim());
            }
            else
            {
                var manifest = PolicyManifest.Parse(manifestJson, name);
                io.Output.WriteLine($"{name}: {manifest.Architecture} ({manifest.Hyperparameters.ShapeSummary}) from {source}");
                if (manifest.Training is { } training)
                {
                    io.Output.WriteLine($"trained on {training.Scenario} {string.Join(" ", training.Settings.Select(s => $"{s.Key}={s.Value}"))}");
                }

                if (manifest.Validation is { } validation)
                {
                    io.Output.WriteLine($"validation: {validation.GetRawText()}");
                }

                io.Output.WriteLine($"code version: {manifest.CodeVersion}");
                if (entry is not null)
                {
                    foreach (var file in entry.Files)
                    {
                        io.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {file.Name,-20} {file.Bytes,10} bytes  sha256 {file.Sha256}"));
                    }
                }
            }

            return 0;
        });

        var directory = new Argument<string>("directory") { Description = "artifact directory (manifest.json + model.safetensors)" };
        var name = new Option<string?>("--name") { Description = "registry name (default: the manifest's name)" };
        var replace = new Option<bool>("--replace") { Description = "replace a policy of the same name" };
        var noCheck = new Option<bool>("--no-check") { Description = $"skip the served-users check (the policy on {ServedUsersCheck.Configurations} validation configurations of its training scenario; a warning names users it never serves)" };
        var import = new Command("import", "Validate an artifact, check that it serves every user of its training scenario, and add it to the registry.") { directory, name, replace, noCheck, stateDir, blob, container };
        import.SetAction(async (parsed, cancellationToken) =>
        {
            var path = Path.GetFullPath(parsed.GetRequiredValue(directory));
            PolicyArtifact artifact;
            try
            {
                artifact = PolicyArtifact.Load(path);
            }
            catch (PolicyArtifactException exception)
            {
                throw new CliUsageException($"Not imported: {exception.Message}");
            }

            if (artifact.Manifest.Hyperparameters is BoblrbfDnnHyperparameters)
            {
                throw new CliUsageException($"Not imported: '{path}' is a {BoblrbfDnnHyperparameters.Name} artifact (paper 002's ISAC solver), not an allocation policy; reproduce isac-convergence and bench isac --artifact load it from its folder.");
            }

            var registry = Open(parsed.GetRequiredValue(stateDir), BlobFromEnvironment(parsed.GetValue(blob)), parsed.GetRequiredValue(container));
            // Not for an import the registry will refuse anyway (the name is taken and --replace not given).
            if (!parsed.GetValue(noCheck)
                && (parsed.GetValue(replace) || await registry.FindAsync(parsed.GetValue(name) ?? artifact.Manifest.Name, cancellationToken).ConfigureAwait(false) is null))
            {
                io.Error.WriteLine("policy: " + ServedUsersCheck.Run(artifact, path, cancellationToken).Text);
            }

            var files = new List<KeyValuePair<string, byte[]>>();
            foreach (var file in new[] { PolicyManifest.FileName, PolicyArtifact.WeightsFileName })
            {
                files.Add(KeyValuePair.Create(file, await File.ReadAllBytesAsync(Path.Combine(path, file), cancellationToken).ConfigureAwait(false)));
            }

            var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["architecture"] = artifact.Manifest.Architecture,
                ["manifestName"] = artifact.Manifest.Name,
                ["codeVersion"] = artifact.Manifest.CodeVersion,
            };
            if (artifact.Manifest.Training?.Scenario is { } scenario)
            {
                metadata["scenario"] = scenario;
            }

            ArtifactEntry entry;
            try
            {
                entry = await registry.ImportAsync(parsed.GetValue(name) ?? artifact.Manifest.Name, files, metadata, parsed.GetValue(replace), cancellationToken).ConfigureAwait(false);
            }
            catch (ArtifactRegistryException exception)
            {
                throw new CliUsageException(exception.Message);
            }

            var prefix = LearnedPolicies.PrefixOf(artifact.Manifest.Hyperparameters);
            io.Error.WriteLine($"policy: imported '{entry.Name}' ({artifact.Manifest.Architecture}, version {entry.Version}) into {registry.Location}; select it with --policy {prefix}{entry.Name} or PUT api/regions/{{id}}/policy");
            return 0;
        });

        return new Command("policy", "The policy registry: list, show, import trained policies.") { list, show, import };
    }

    /// <summary>
    /// Before a silo starts on Azure Blob state: the service must answer and accept the credentials, or the verb stops
    /// with one line naming the endpoint (Orleans would otherwise retry for half a minute and fail with a stack trace).
    /// </summary>
    public static async Task EnsureBlobReachableAsync(string? blobConnectionString, string container, CancellationToken cancellationToken)
    {
        if (blobConnectionString is not null
            && await Controller.Persistence.BlobArtifactStore.CheckReachableAsync(blobConnectionString, container, cancellationToken).ConfigureAwait(false) is { } problem)
        {
            throw new CliUsageException(problem);
        }
    }

    /// <summary>The registry in the silo's storage: files under <paramref name="stateDir"/>, or Azure Blob when a connection string is given.</summary>
    public static ArtifactRegistry Open(string stateDir, string? blobConnectionString, string container)
    {
        try
        {
            return blobConnectionString is null
                ? ArtifactRegistry.OpenFiles(Path.GetFullPath(stateDir), RegistryKind)
                : ArtifactRegistry.OpenBlob(blobConnectionString, container, RegistryKind);
        }
        catch (ArgumentException exception)
        {
            throw new CliUsageException(exception.Message);
        }
    }

    /// <summary>The connection string in environment variable <paramref name="variable"/> (null: none given); a missing or empty variable is a user mistake.</summary>
    public static string? BlobFromEnvironment(string? variable)
    {
        if (variable is null)
        {
            return null;
        }

        var value = Environment.GetEnvironmentVariable(variable);
        return string.IsNullOrWhiteSpace(value)
            ? throw new CliUsageException($"--blob-from-env names '{variable}', but that environment variable is not set.")
            : value;
    }

    /// <summary>The policies built into the executable (what <c>GET /api/policies</c> lists besides learned ones).</summary>
    private static IEnumerable<(string Name, string Description)> BuiltIn() =>
        HostPolicies.Provider.Policies.Where(p => !LearnedPolicies.Recognizes(p.Name));

    /// <summary>Lets <see cref="HostPolicies.Learned"/> find registry policies by name, materialized under <paramref name="cache"/> on first use.</summary>
    /// <remarks>
    /// The hook is process-wide, so a registry is consulted only while its scope lasts: verbs run in-process (tests, an
    /// embedding host) must not leave later verbs asking a registry that is gone, and two at once each find their own
    /// (the newest scope is asked first).
    /// </remarks>
    public static IDisposable UseRegistry(ArtifactRegistry registry, string cache)
    {
        Func<string, string?> lookup = name =>
        {
            var entry = registry.FindAsync(name, CancellationToken.None).GetAwaiter().GetResult();
            if (entry is null)
            {
                return null;
            }

            var directory = Path.Combine(cache, name);
            var stamp = Path.Combine(directory, ".version");
            if (File.Exists(stamp) && File.ReadAllText(stamp) == entry.Version)
            {
                return directory;
            }

            Directory.CreateDirectory(cache);
            registry.MaterializeAsync(name, cache, CancellationToken.None).GetAwaiter().GetResult();
            File.WriteAllText(stamp, entry.Version);
            return directory;
        };
        lock (_registryLookups)
        {
            _registryLookups.Add(lookup);
            HostPolicies.Learned.FindElsewhere = FindInRegistries;
        }

        return new RegistryScope(lookup);
    }

    private static readonly List<Func<string, string?>> _registryLookups = [];

    private static string? FindInRegistries(string name)
    {
        Func<string, string?>[] lookups;
        lock (_registryLookups)
        {
            lookups = [.. _registryLookups];
        }

        for (var i = lookups.Length - 1; i >= 0; i--)
        {
            if (lookups[i](name) is { } found)
            {
                return found;
            }
        }

        return null;
    }

    private sealed class RegistryScope(Func<string, string?> lookup) : IDisposable
    {
        public void Dispose()
        {
            lock (_registryLookups)
            {
                _registryLookups.Remove(lookup);
                if (_registryLookups.Count == 0)
                {
                    HostPolicies.Learned.FindElsewhere = null;
                }
            }
        }
    }
}
