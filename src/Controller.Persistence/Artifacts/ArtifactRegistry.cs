using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Orleans;

namespace Controller.Persistence;

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
/// <remarks>Serializable by Orleans, so a grain that uses the registry can pass it to its caller.</remarks>
[GenerateSerializer]
[Alias("Controller.Persistence.ArtifactRegistryException")]
public sealed class ArtifactRegistryException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ArtifactRegistryException(string message, Exception? innerException)
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
/// Named, versioned artifacts (trained policies) in an <see cref="IArtifactStore"/>: a local directory for
/// the embedded controller, an Azure Blob container in a cluster, so every silo sees the same ones. An
/// import writes its files under a fresh version id first and then flips the registry's index with an
/// ETag-checked write, so readers see either the old or the new artifact, never a mix; concurrent
/// importers retry the flip; every read checks each file's length and SHA-256.
/// </summary>
/// <remarks>
/// Layout in the store: <c>&lt;kind&gt;/index.json</c> (the entries, JSON) and
/// <c>&lt;kind&gt;/artifacts/&lt;name&gt;/&lt;version&gt;/&lt;file&gt;</c> (the files as imported).
/// </remarks>
public sealed partial class ArtifactRegistry
{
    /// <summary>Largest artifact accepted (all files together).</summary>
    public const long MaxArtifactBytes = 64L << 20;

    private const long MaxIndexBytes = 16L << 20;
    private const int ConflictRetries = 16;
    private const int ReadRetries = 4;

    private static readonly JsonSerializerOptions _json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private readonly IArtifactStore _store;
    private readonly string _indexKey;

    /// <summary>A registry of artifacts of one <paramref name="kind"/> (e.g. "policy") in <paramref name="store"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="kind"/> is not a valid name.</exception>
    public ArtifactRegistry(IArtifactStore store, string kind)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (kind is null || !SafeName().IsMatch(kind))
        {
            throw new ArgumentException($"'{kind}' is not a valid artifact kind: use 1 to 64 letters, digits, '.', '_' or '-', not starting with '.'.", nameof(kind));
        }

        _store = store;
        Kind = kind;
        _indexKey = kind + "/index.json";
    }

    /// <summary>The artifact kind this registry holds.</summary>
    public string Kind { get; }

    /// <summary>The store underneath.</summary>
    public IArtifactStore Store => _store;

    /// <summary>Where the index lives (file path or blob URL without credentials), for messages.</summary>
    public string Location => _store.Describe(_indexKey);

    /// <summary>A registry in local files under <paramref name="directory"/>.</summary>
    public static ArtifactRegistry OpenFiles(string directory, string kind) => new(new FileArtifactStore(directory), kind);

    /// <summary>
    /// A registry in the blob <paramref name="container"/> of the account in <paramref name="connectionString"/>
    /// (<c>UseDevelopmentStorage=true</c> for a local Azurite). The container is created on the first import.
    /// </summary>
    /// <exception cref="ArgumentException">The connection string or container name is malformed; the message never repeats the connection string.</exception>
    public static ArtifactRegistry OpenBlob(string connectionString, string container, string kind) =>
        new(new BlobArtifactStore(BlobArtifactStore.CreateContainerClient(connectionString, container)), kind);

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
            ArgumentNullException.ThrowIfNull(data, nameof(files));
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
        if (!replace && Find(before.Entries, name) is not null)
        {
            throw new ArtifactRegistryException($"Artifact '{name}' is already in the registry ({Location}); import it under another name or replace it.");
        }

        // The new version's files go in first: until the index names them, nobody reads them.
        var version = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var stored = new List<ArtifactFile>();
        foreach (var (file, data) in files)
        {
            await _store.WriteAsync(FileKey(name, version, file), data, expectedETag: null, cancellationToken).ConfigureAwait(false);
            stored.Add(new ArtifactFile(file, Convert.ToHexStringLower(SHA256.HashData(data)), data.Length));
        }

        var entry = new ArtifactEntry(name, version, DateTimeOffset.UtcNow, stored, new SortedDictionary<string, string>(metadata.ToDictionary(), StringComparer.Ordinal));
        ArtifactEntry? replaced;
        for (var attempt = 0; ; attempt++)
        {
            var index = attempt == 0 ? before : await LoadIndexAsync(cancellationToken).ConfigureAwait(false);
            replaced = Find(index.Entries, name);
            if (replaced is not null && !replace)
            {
                await DeleteFilesAsync(entry, cancellationToken).ConfigureAwait(false);
                throw new ArtifactRegistryException($"Artifact '{name}' was imported by someone else meanwhile ({Location}); nothing was changed.");
            }

            var entries = index.Entries.Where(e => e.Name != name).Append(entry).OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
            try
            {
                await _store.WriteAsync(_indexKey, JsonSerializer.SerializeToUtf8Bytes(new IndexDocument(IndexDocument.CurrentFormat, entries), _json), index.ETag, cancellationToken).ConfigureAwait(false);
                break;
            }
            catch (ArtifactStoreConflictException exception)
            {
                // Another import changed the index: read it again and redo the flip.
                if (attempt >= ConflictRetries)
                {
                    await DeleteFilesAsync(entry, cancellationToken).ConfigureAwait(false);
                    throw new ArtifactRegistryException($"The registry index at {Location} kept changing during {ConflictRetries + 1} attempts to import '{name}'; nothing was changed. Try again.", exception);
                }
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
        (await LoadIndexAsync(cancellationToken).ConfigureAwait(false)).Entries;

    /// <summary>The artifact called <paramref name="name"/>, or null.</summary>
    public async Task<ArtifactEntry?> FindAsync(string name, CancellationToken cancellationToken) =>
        Find((await LoadIndexAsync(cancellationToken).ConfigureAwait(false)).Entries, name);

    /// <summary>
    /// Reads an artifact's files, checking each one's length and SHA-256; throws
    /// <see cref="ArtifactRegistryException"/> for an unknown name or a damaged or missing file.
    /// </summary>
    public async Task<IReadOnlyList<KeyValuePair<string, byte[]>>> ReadFilesAsync(string name, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var index = await LoadIndexAsync(cancellationToken).ConfigureAwait(false);
            var entry = Find(index.Entries, name) ?? throw Unknown(name, index.Entries);
            var files = await TryReadFilesAsync(entry, cancellationToken).ConfigureAwait(false);
            if (files.Missing is null)
            {
                return files.Files;
            }

            // A file of the version we were reading may have been dropped by a concurrent replace: look again.
            var now = Find((await LoadIndexAsync(cancellationToken).ConfigureAwait(false)).Entries, name);
            if (now is null || now.Version == entry.Version || attempt >= ReadRetries)
            {
                throw new ArtifactRegistryException($"File '{files.Missing}' of artifact '{name}' is missing from {_store.Describe(FileKey(name, entry.Version, files.Missing))}.");
            }
        }
    }

    /// <summary>
    /// Writes an artifact's files into <paramref name="root"/>/<paramref name="name"/>/ (replacing what is
    /// there only once every file was read and checked) and returns that directory.
    /// </summary>
    public async Task<string> MaterializeAsync(string name, string root, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        CheckName(name, "artifact");
        var files = await ReadFilesAsync(name, cancellationToken).ConfigureAwait(false);
        var target = Path.Combine(root, name);
        var staging = Path.Combine(root, $".{name}.{Guid.NewGuid():N}.partial");
        Directory.CreateDirectory(staging);
        try
        {
            foreach (var (file, data) in files)
            {
                await File.WriteAllBytesAsync(Path.Combine(staging, file), data, cancellationToken).ConfigureAwait(false);
            }

            if (Directory.Exists(target))
            {
                Directory.Delete(target, recursive: true);
            }

            Directory.Move(staging, target);
        }
        catch
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }

            throw;
        }

        return target;
    }

    private static ArtifactEntry? Find(IReadOnlyList<ArtifactEntry> entries, string name) => entries.FirstOrDefault(e => e.Name == name);

    private async Task<(IReadOnlyList<KeyValuePair<string, byte[]>> Files, string? Missing)> TryReadFilesAsync(ArtifactEntry entry, CancellationToken cancellationToken)
    {
        var name = entry.Name;
        if (entry.Files.Sum(f => f.Bytes) > MaxArtifactBytes || entry.Files.Any(f => f.Bytes < 0))
        {
            throw new ArtifactRegistryException($"The registry index at {Location} lists sizes for artifact '{name}' that no import writes; it was damaged.");
        }

        var files = new List<KeyValuePair<string, byte[]>>();
        foreach (var file in entry.Files)
        {
            CheckName(file.Name, "file");
            var key = FileKey(name, entry.Version, file.Name);
            ArtifactObject? stored;
            try
            {
                stored = await _store.ReadAsync(key, file.Bytes, cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidDataException exception)
            {
                throw Damaged(file.Name, name, key, exception);
            }

            if (stored is null)
            {
                return ([], file.Name);
            }

            var data = stored.Data.ToArray();
            if (data.Length != file.Bytes || Convert.ToHexStringLower(SHA256.HashData(data)) != file.Sha256)
            {
                throw Damaged(file.Name, name, key, null);
            }

            files.Add(KeyValuePair.Create(file.Name, data));
        }

        return (files, null);
    }

    private ArtifactRegistryException Damaged(string file, string name, string key, Exception? cause) =>
        new($"File '{file}' of artifact '{name}' at {_store.Describe(key)} does not match its recorded length and checksum; it was damaged after import.", cause);

    private ArtifactRegistryException Unknown(string name, IReadOnlyList<ArtifactEntry> entries) => new(
        entries.Count == 0
            ? $"No artifact '{name}': the registry at {Location} is empty; import one first."
            : $"No artifact '{name}' in the registry at {Location}; it has: {string.Join(", ", entries.Select(e => e.Name))}.");

    private async Task<(IReadOnlyList<ArtifactEntry> Entries, string? ETag)> LoadIndexAsync(CancellationToken cancellationToken)
    {
        ArtifactObject? stored;
        try
        {
            stored = await _store.ReadAsync(_indexKey, MaxIndexBytes, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException exception)
        {
            throw new ArtifactRegistryException($"The registry index at {Location} is larger than any index this registry writes; it was damaged.", exception);
        }

        if (stored is null)
        {
            return ([], null);
        }

        IndexDocument? document;
        try
        {
            document = JsonSerializer.Deserialize<IndexDocument>(stored.Data.Span, _json);
        }
        catch (JsonException exception)
        {
            throw new ArtifactRegistryException($"The registry index at {Location} is not valid JSON ({exception.Message}); restore it or move it aside to start an empty registry.", exception);
        }

        if (document is null || document.Format != IndexDocument.CurrentFormat || document.Entries is null || document.Entries.Any(e => e is null))
        {
            throw new ArtifactRegistryException($"The registry index at {Location} is not a format-{IndexDocument.CurrentFormat} index; restore it or move it aside to start an empty registry.");
        }

        return (document.Entries, stored.ETag);
    }

    private string FileKey(string name, string version, string file) => $"{Kind}/artifacts/{name}/{version}/{file}";

    private async Task DeleteFilesAsync(ArtifactEntry entry, CancellationToken cancellationToken)
    {
        foreach (var file in entry.Files)
        {
            try
            {
                await _store.DeleteAsync(FileKey(entry.Name, entry.Version, file.Name), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or Azure.RequestFailedException)
            {
                // Unreachable once the index moved on; a leftover file only costs space.
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

    /// <summary>The stored index: <c>{"format":1,"entries":[...]}</c>.</summary>
    private sealed record IndexDocument(int Format, List<ArtifactEntry> Entries)
    {
        public const int CurrentFormat = 1;
    }
}
