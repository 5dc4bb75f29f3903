using Orleans;
using Orleans.Runtime;
using Orleans.Storage;

namespace Controller.Persistence;

/// <summary>Settings of one named <see cref="FileGrainStorage"/> provider.</summary>
public sealed class FileGrainStorageOptions
{
    /// <summary>
    /// The directory holding the state files (required). Relative paths are resolved against the current
    /// directory when the provider is created. It should belong to one silo at a time: take
    /// <see cref="StateDirectoryLock"/> on it before the silo starts.
    /// </summary>
    public string? RootDirectory { get; set; }

    /// <summary>
    /// How states become bytes; null (the default) means <see cref="JsonGrainStateSerializer"/>. Changing it
    /// makes existing files unreadable unless the new serializer reads the old bytes.
    /// </summary>
    public IGrainStorageSerializer? GrainStorageSerializer { get; set; }

    /// <summary>The absolute root directory, or a one-line reason why the options are not usable.</summary>
    internal static bool TryResolveRoot(string? rootDirectory, out string fullPath, out string reason)
    {
        fullPath = string.Empty;
        if (string.IsNullOrWhiteSpace(rootDirectory))
        {
            reason = "RootDirectory is required (the directory that holds the grain state files)";
            return false;
        }

        try
        {
            fullPath = Path.GetFullPath(rootDirectory);
        }
        catch (Exception exception) when (exception is ArgumentException or NotSupportedException or PathTooLongException)
        {
            reason = $"RootDirectory '{rootDirectory}' is not a valid path: {exception.Message}";
            return false;
        }

        if (!Path.IsPathFullyQualified(fullPath))
        {
            reason = $"RootDirectory '{rootDirectory}' does not resolve to an absolute path (got '{fullPath}')";
            return false;
        }

        reason = string.Empty;
        return true;
    }
}

/// <summary>Checks a named <see cref="FileGrainStorageOptions"/> when the silo starts, so a bad setting fails start-up rather than the first write.</summary>
internal sealed class FileGrainStorageOptionsValidator(FileGrainStorageOptions options, string name) : IConfigurationValidator
{
    public void ValidateConfiguration()
    {
        if (!FileGrainStorageOptions.TryResolveRoot(options.RootDirectory, out _, out var reason))
        {
            throw new OrleansConfigurationException($"Invalid {nameof(FileGrainStorageOptions)} for grain storage provider '{name}': {reason}.");
        }
    }
}
