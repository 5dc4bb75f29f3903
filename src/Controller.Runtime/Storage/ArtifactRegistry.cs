using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Controller.Runtime.Grains;

namespace Controller.Runtime.Storage;

/// <summary>One file of a stored artifact.</summary>
/// <param name="Name">File name inside the artifact (e.g. "model.safetensors").</param>
/// <param name="Sha256">Hex SHA-256 of its bytes, checked on every read.</param>
/// <param name="Bytes">Its length.</param>
public sealed record ArtifactFile(string Name, string Sha256, long Bytes);

/// <summary>A stored artifact: its files and what the importer said about it.</summary>
/// <param name="Name">Registry name.</param>
/// <param name="Version">Id of this import (a replace creates a new one).</param>
/// <param name="ImportedUtc">When it was imported.</param>
/// <param name="Files">Its files.</param>
/// <param name="Metadata">Importer's key/value facts (architecture, scenario, validation metrics...).</param>
public sealed record ArtifactEntry(string Name, string Version, DateTimeOffset ImportedUtc, IReadOnlyList<ArtifactFile> Files, IReadOnlyDictionary<string, string> Metadata);

/// <summary>A registry request that cannot be honoured (bad name, duplicate, unknown, too large, damaged); the message says which.</summary>
public sealed class ArtifactRegistryException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ArtifactRegistryException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    public ArtifactRegistryException()
        : this("The artifact registry refused the request.")
    {
    }

    /// <summary>Creates the exception.</summary>
    public ArtifactRegistryException(string message)
        : this(message, null)
    {
    }
}

/// <summary>
/// Named, versioned artifacts (trained policies) kept in the runtime's grain storage — local files in the
/// embedded default, Azure Blob Storage in a cluster — so every silo sees the same ones. Each import writes
/// its files under a fresh version id first and then flips the registry's index with an ETag-checked write,
/// so readers see either the old or the new artifact, never a mix; concurrent importers retry on conflict;
/// every read checks each file's SHA-256.
/// </summary>
public sealed partial class ArtifactRegistry
{
    /// <summary>Largest artifact accepted (all files together).</summary>
    public const long MaxArtifactBytes = 64L << 20;

    private const int ConflictRetries = 8;
    private readonly IGrainStorage _storage;
    private readonly GrainId _index;
    private readonly string _kind;

    /// <summary>A registry of artifacts of one kind (e.g. "policy") in <paramref name="storage"/>.</summary>
    public ArtifactRegistry(IGrainStorage storage, string kind)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        _storage = storage;
        _kind = kind;
        _index = new GrainId("registry", kind);
    }

    /// <summary>Where the index lives (for messages).</summary>
    public string Location => _storage.Describe(_index, "index");

    /// <summary>
    /// Stores <paramref name="files"/> as artifact <paramref name="name"/>. Throws
    /// <see cref="ArtifactRegistryException"/> for a bad or taken name (unless <paramref name="replace"/>),
    /// bad file names, no files or more than <see cref="MaxArtifactBytes"/>.
    /// </summary>
    public async Task<ArtifactEntry> ImportAsync(
        string name,
        IReadOnlyList<KeyValuePair<string, byte[]>> files,
        IReadOnlyDictionary<string, string> metadata,
        bool replace,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(metadata);
        CheckName(name, "artifact");
        if (files.Count == 0)
        {
            throw new ArtifactRegistryException($"Artifact '{name}' has no files.");
        }

        var total = 0L;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (file, data) in files)
        {
            CheckName(file, "file");
            if (!seen.Add(file))
            {
                throw new ArtifactRegistryException($"Artifact '{name}' lists file '{file}' twice.");
            }

            total += data.Length;
        }

        if (total > MaxArtifactBytes)
        {
            throw new ArtifactRegistryException(string.Create(CultureInfo.InvariantCulture, $"Artifact '{name}' is {total} bytes; the registry takes at most {MaxArtifactBytes} bytes."));
        }

        var before = await LoadIndexAsync(cancellationToken).ConfigureAwait(false);
        if (!replace && Find(before.Value, name) is not null)
        {
            throw new ArtifactRegistryException($"Artifact '{name}' is already in the registry ({Location}); import it under another name or replace it.");
        }

        // The new version's files go in first: until the index names them, nobody reads them.
        var version = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var stored = new List<ArtifactFile>();
        foreach (var (file, data) in files)
        {
            await _storage.WriteAsync(FileGrain(name, version), file, data, expectedETag: null, cancellationToken).ConfigureAwait(false);
            stored.Add(new ArtifactFile(file, Convert.ToHexStringLower(SHA256.HashData(data)), data.Length));
        }

        var entry = new ArtifactEntry(name, version, DateTimeOffset.UtcNow, stored, new SortedDictionary<string, string>(metadata.ToDictionary(), StringComparer.Ordinal));
        ArtifactEntry? replaced = null;
        for (var attempt = 0; ; attempt++)
        {
            var index = attempt == 0 ? before : await LoadIndexAsync(cancellationToken).ConfigureAwait(false);
            replaced = Find(index.Value, name);
            if (replaced is not null && !replace)
            {
                await DeleteFilesAsync(entry, cancellationToken).ConfigureAwait(false);
                throw new ArtifactRegistryException($"Artifact '{name}' was imported by someone else meanwhile ({Location}); nothing was changed.");
            }

            index.Value.Entries.RemoveAll(e => e.Name == name);
            index.Value.Entries.Add(entry);
            index.Value.Entries.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
            try
            {
                await index.WriteAsync(cancellationToken).ConfigureAwait(false);
                break;
            }
            catch (StorageConflictException) when (attempt < ConflictRetries)
            {
                // Another import changed the index: read it again and redo the flip.
            }
        }

        if (replaced is not null)
        {
            await DeleteFilesAsync(replaced, cancellationToken).ConfigureAwait(false);
        }

        return entry;
    }

    /// <summary>Every artifact, by name.</summary>
    public async Task<IReadOnlyList<ArtifactEntry>> ListAsync(CancellationToken cancellationToken) =>
        (await LoadIndexAsync(cancellationToken).ConfigureAwait(false)).Value.Entries;

    /// <summary>The artifact called <paramref name="name"/>, or null.</summary>
    public async Task<ArtifactEntry?> FindAsync(string name, CancellationToken cancellationToken) =>
        Find((await LoadIndexAsync(cancellationToken).ConfigureAwait(false)).Value, name);

    /// <summary>
    /// Reads an artifact's files, checking each one's length and SHA-256; throws
    /// <see cref="ArtifactRegistryException"/> for an unknown name or a damaged file.
    /// </summary>
    public async Task<IReadOnlyList<KeyValuePair<string, byte[]>>> ReadFilesAsync(string name, CancellationToken cancellationToken)
    {
        var entry = await FindAsync(name, cancellationToken).ConfigureAwait(false) ?? throw Unknown(name, await ListAsync(cancellationToken).ConfigureAwait(false));
        var files = new List<KeyValuePair<string, byte[]>>();
        foreach (var file in entry.Files)
        {
            var grain = FileGrain(name, entry.Version);
            var stored = await _storage.ReadAsync(grain, file.Name, cancellationToken).ConfigureAwait(false)
                ?? throw new ArtifactRegistryException($"File '{file.Name}' of artifact '{name}' is missing from {_storage.Describe(grain, file.Name)}.");
            var data = stored.Data.ToArray();
            if (data.Length != file.Bytes || Convert.ToHexStringLower(SHA256.HashData(data)) != file.Sha256)
            {
                throw new ArtifactRegistryException($"File '{file.Name}' of artifact '{name}' at {_storage.Describe(grain, file.Name)} does not match its checksum; it was damaged after import.");
            }

            files.Add(KeyValuePair.Create(file.Name, data));
        }

        return files;
    }

    /// <summary>
    /// Writes an artifact's files into <paramref name="root"/>/<paramref name="name"/>/ (replacing what is
    /// there only once every file was read and checked) and returns that directory.
    /// </summary>
    public async Task<string> MaterializeAsync(string name, string root, CancellationToken cancellationToken)
    {
        var files = await ReadFilesAsync(name, cancellationToken).ConfigureAwait(false);
        var target = Path.Combine(root, name);
        var staging = Path.Combine(root, $".{name}.{Guid.NewGuid():N}.partial");
        Directory.CreateDirectory(staging);
        foreach (var (file, data) in files)
        {
            await File.WriteAllBytesAsync(Path.Combine(staging, file), data, cancellationToken).ConfigureAwait(false);
        }

        if (Directory.Exists(target))
        {
            Directory.Delete(target, recursive: true);
        }

        Directory.Move(staging, target);
        return target;
    }

    private static ArtifactEntry? Find(RegistryIndex index, string name) => index.Entries.Find(e => e.Name == name);

    private ArtifactRegistryException Unknown(string name, IReadOnlyList<ArtifactEntry> entries) => new(
        entries.Count == 0
            ? $"No artifact '{name}': the registry at {Location} is empty; import one first."
            : $"No artifact '{name}' in the registry at {Location}; it has: {string.Join(", ", entries.Select(e => e.Name))}.");

    private Task<PersistentState<RegistryIndex>> LoadIndexAsync(CancellationToken cancellationToken) =>
        PersistentState.ReadAsync<RegistryIndex>(_storage, _index, "index", cancellationToken);

    private GrainId FileGrain(string name, string version) => new("registry-file", $"{_kind}/{name}/{version}");

    private async Task DeleteFilesAsync(ArtifactEntry entry, CancellationToken cancellationToken)
    {
        foreach (var file in entry.Files)
        {
            var grain = FileGrain(entry.Name, entry.Version);
            try
            {
                var stored = await _storage.ReadAsync(grain, file.Name, cancellationToken).ConfigureAwait(false);
                if (stored is not null)
                {
                    await _storage.ClearAsync(grain, file.Name, stored.ETag, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception exception) when (exception is StorageConflictException or IOException or CorruptStateException)
            {
                // Old versions are unreachable once the index moved on; a leftover file only costs space.
            }
        }
    }

    private static void CheckName(string name, string what)
    {
        if (name is null || !SafeName().IsMatch(name))
        {
            throw new ArtifactRegistryException($"'{name}' is not a valid {what} name: use 1 to 64 letters, digits, '.', '_' or '-', not starting with '.'.");
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex SafeName();

    /// <summary>The stored index (JSON).</summary>
    internal sealed class RegistryIndex
    {
        public List<ArtifactEntry> Entries { get; set; } = [];
    }
}
