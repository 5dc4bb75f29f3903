using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans;
using Orleans.Runtime;
using Orleans.Storage;

namespace Controller.Persistence;

/// <summary>
/// Orleans grain storage in local files, for the embedded (single-silo) controller: one file per grain
/// type, grain key and state name under <see cref="RootDirectory"/>, written atomically, checked by ETag,
/// and never deleted or overwritten when it turns out to be unreadable. The layout and byte format are in
/// this project's README.
/// </summary>
/// <remarks>
/// <para>
/// Writes go to a temp file that is fsynced and renamed over the state file, then the directory is
/// fsynced (best effort), so after a crash a state file holds either the old or the new version. A
/// write or clear succeeds only when the grain's ETag matches the stored one (null: no file yet);
/// otherwise it throws Orleans' <see cref="InconsistentStateException"/> and changes nothing, which stops
/// a stale activation from overwriting newer state.
/// </para>
/// <para>
/// Within one process the check-and-rename of a file is serialized by a lock chosen by its path (shared by
/// all instances). Across processes nothing is serialized: a root directory belongs to one silo, which
/// <see cref="StateDirectoryLock"/> enforces.
/// </para>
/// </remarks>
public sealed partial class FileGrainStorage : IGrainStorage
{
    /// <summary>Extension of state files.</summary>
    public const string StateFileExtension = ".state";

    private const int LockStripes = 64;

    // Static, so that two providers over the same root in one process also exclude each other.
    private static readonly SemaphoreSlim[] _stripes = [.. Enumerable.Range(0, LockStripes).Select(_ => new SemaphoreSlim(1, 1))];

    private readonly IGrainStorageSerializer _serializer;
    private readonly ILogger _logger;

    /// <summary>Creates the provider called <paramref name="name"/> from <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException">The options have no usable root directory.</exception>
    public FileGrainStorage(string name, FileGrainStorageOptions options, ILogger<FileGrainStorage>? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(options);
        if (!FileGrainStorageOptions.TryResolveRoot(options.RootDirectory, out var root, out var reason))
        {
            throw new ArgumentException($"Grain storage '{name}': {reason}.", nameof(options));
        }

        Name = name;
        RootDirectory = root;
        _serializer = options.GrainStorageSerializer ?? new JsonGrainStateSerializer();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>The provider name (as used in <c>[PersistentState(stateName, storageName)]</c>).</summary>
    public string Name { get; }

    /// <summary>The absolute directory holding the state files.</summary>
    public string RootDirectory { get; }

    /// <summary>
    /// The file holding state <paramref name="stateName"/> of <paramref name="grainId"/>:
    /// <c>&lt;root&gt;/&lt;type&gt;/&lt;key&gt;.&lt;state name&gt;.state</c>, each part escaped.
    /// </summary>
    /// <exception cref="ArgumentException">The state name is empty or not valid Unicode.</exception>
    public string GetFilePath(string stateName, GrainId grainId)
    {
        ArgumentException.ThrowIfNullOrEmpty(stateName);
        if (grainId.IsDefault)
        {
            throw new ArgumentException("The default GrainId has no state.", nameof(grainId));
        }

        var fileName = StateFileNaming.Component(grainId.Key.AsSpan()) + "." + StateFileNaming.Component(stateName) + StateFileExtension;
        return Path.Join(RootDirectory, StateFileNaming.Component(grainId.Type.AsSpan()), fileName);
    }

    /// <inheritdoc />
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        ReadStateAsync(stateName, grainId, grainState, CancellationToken.None);

    /// <inheritdoc />
    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var path = GetFilePath(stateName, grainId);
        // No lock: renames make every committed version appear whole.
        var stored = await ReadFileAsync(stateName, grainId, path, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            // The state object is left as Orleans created it (a fresh instance on activation).
            grainState.ETag = null;
            grainState.RecordExists = false;
            return;
        }

        T? state;
        try
        {
            state = _serializer.Deserialize<T>(new BinaryData(stored.Value.Payload));
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            throw Corrupt(grainId, stateName, path, $"the payload does not deserialize as {typeof(T).Name} ({exception.Message})", exception);
        }

        grainState.State = state!;
        grainState.ETag = stored.Value.ETag;
        grainState.RecordExists = true;
    }

    /// <inheritdoc />
    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        WriteStateAsync(stateName, grainId, grainState, CancellationToken.None);

    /// <inheritdoc />
    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var path = GetFilePath(stateName, grainId);
        // Serialize first: a state the serializer refuses (NaN, cycles) must fail before anything is touched.
        var payload = _serializer.Serialize(grainState.State).ToMemory();
        var stripe = StripeFor(path);
        await stripe.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var stored = await ReadFileAsync(stateName, grainId, path, cancellationToken).ConfigureAwait(false);
            EnsureExpected(stateName, grainId, path, "write", grainState.ETag, stored?.ETag);

            var etag = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            var (grainField, stateField) = GrainStateFile.OwnerFields(grainId.Type.AsSpan(), grainId.Key.AsSpan(), stateName);
            var header = GrainStateFile.EncodeHeader(etag, grainField, stateField, payload.Span);
            await DurableFile.WriteAsync(path, header, payload, overwrite: true, cancellationToken).ConfigureAwait(false);
            grainState.ETag = etag;
            grainState.RecordExists = true;
        }
        finally
        {
            stripe.Release();
        }
    }

    /// <inheritdoc />
    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        ClearStateAsync(stateName, grainId, grainState, CancellationToken.None);

    /// <inheritdoc />
    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var path = GetFilePath(stateName, grainId);
        var stripe = StripeFor(path);
        await stripe.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Reading first also refuses to delete a corrupt file: only an operator removes those.
            var stored = await ReadFileAsync(stateName, grainId, path, cancellationToken).ConfigureAwait(false);
            if (stored is not null || grainState.ETag is not null)
            {
                EnsureExpected(stateName, grainId, path, "clear", grainState.ETag, stored?.ETag);
                cancellationToken.ThrowIfCancellationRequested();
                DurableFile.Delete(path);
            }

            grainState.ETag = null;
            grainState.RecordExists = false;
        }
        finally
        {
            stripe.Release();
        }
    }

    private async Task<(string ETag, ReadOnlyMemory<byte> Payload)?> ReadFileAsync(string stateName, GrainId grainId, string path, CancellationToken cancellationToken)
    {
        byte[]? bytes;
        try
        {
            bytes = await DurableFile.ReadAsync(path, long.MaxValue, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException exception)
        {
            throw Corrupt(grainId, stateName, path, exception.Message, exception);
        }

        if (bytes is null)
        {
            return null;
        }

        if (!GrainStateFile.TryDecode(bytes, out var header, out var payload, out var reason))
        {
            throw Corrupt(grainId, stateName, path, reason);
        }

        var (grainField, stateField) = GrainStateFile.OwnerFields(grainId.Type.AsSpan(), grainId.Key.AsSpan(), stateName);
        if (header.Grain != grainField || header.State != stateField)
        {
            throw Corrupt(grainId, stateName, path, $"the file belongs to grain '{header.Grain}', state '{header.State}' (copied or renamed by hand?)");
        }

        return (header.ETag, payload);
    }

    private CorruptGrainStateException Corrupt(GrainId grainId, string stateName, string path, string reason, Exception? innerException = null)
    {
        LogCorrupt(_logger, Name, grainId, stateName, path, reason);
        return new CorruptGrainStateException(grainId, stateName, path, reason, innerException);
    }

    private void EnsureExpected(string stateName, GrainId grainId, string path, string operation, string? expected, string? stored)
    {
        if (string.Equals(expected, stored, StringComparison.Ordinal))
        {
            return;
        }

        LogConflict(_logger, Name, operation, grainId, stateName, expected ?? "(none)", stored ?? "(none)");
        throw new InconsistentStateException(
            $"Grain storage '{Name}' refused to {operation} state '{stateName}' of grain {grainId} in {path}: the grain expected ETag {expected ?? "(none: no file yet)"} but the file has {stored ?? "(none: no file)"}; another writer changed it, so nothing was changed.",
            stored ?? "(none)",
            expected ?? "(none)");
    }

    private static SemaphoreSlim StripeFor(string path) => _stripes[(uint)StringComparer.Ordinal.GetHashCode(path) % LockStripes];

    [LoggerMessage(Level = LogLevel.Error, Message = "Grain storage {Provider}: state {StateName} of grain {GrainId} in {Path} is unreadable ({Reason}); it was left untouched")]
    private static partial void LogCorrupt(ILogger logger, string provider, GrainId grainId, string stateName, string path, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Grain storage {Provider}: {Operation} of state {StateName} of grain {GrainId} refused, expected ETag {Expected}, stored {Stored}")]
    private static partial void LogConflict(ILogger logger, string provider, string operation, GrainId grainId, string stateName, string expected, string stored);
}
