using Controller.Runtime.Placement;

namespace Controller.Runtime.Cluster;

/// <summary>
/// Carries grain calls in wire form (see <see cref="Grains.GrainRuntime.DispatchEncodedCallAsync"/>) to the silo
/// that hosts the grain and brings the reply back. The runtime asks its locator where a grain lives; a grain
/// placed on another silo goes through here instead of a local mailbox.
/// </summary>
public interface IClusterTransport
{
    /// <summary>
    /// Sends <paramref name="encodedCall"/> to <paramref name="silo"/> and returns the reply. Throws
    /// <see cref="SiloUnavailableException"/> when the silo cannot be reached, <see cref="RemoteGrainCallException"/>
    /// (or the BCL exception the grain threw, with a <see cref="RemoteGrainCallException"/> inside) when the call failed there.
    /// </summary>
    Task<byte[]> CallAsync(SiloId silo, byte[] encodedCall, CancellationToken cancellationToken);
}

/// <summary>A silo of the cluster could not be reached (refused, reset, timed out, or it is stopping).</summary>
public sealed class SiloUnavailableException : Exception
{
    /// <summary>Creates the exception with a message.</summary>
    public SiloUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public SiloUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public SiloUnavailableException()
        : this("A silo of the cluster is unavailable.")
    {
    }
}

/// <summary>
/// A grain call failed on the silo that ran it. <see cref="RemoteType"/> names the exception thrown there; when that
/// is a common BCL type (argument, state, lookup, format, timeout), the caller gets that type instead, with this
/// exception inside, so the caller's <c>catch</c> clauses work the same for local and remote grains.
/// </summary>
public sealed class RemoteGrainCallException : Exception
{
    /// <summary>Creates the exception for a failure of type <paramref name="remoteType"/> on <paramref name="silo"/>.</summary>
    public RemoteGrainCallException(string message, string remoteType, SiloId silo)
        : base(message)
    {
        RemoteType = remoteType;
        Silo = silo;
    }

    /// <summary>Creates the exception with a message.</summary>
    public RemoteGrainCallException(string message)
        : this(message, typeof(Exception).FullName!, default)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public RemoteGrainCallException(string message, Exception innerException)
        : base(message, innerException)
    {
        RemoteType = innerException?.GetType().FullName ?? typeof(Exception).FullName!;
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public RemoteGrainCallException()
        : this("A grain call failed on another silo.")
    {
    }

    /// <summary>Full name of the exception type thrown on the remote silo.</summary>
    public string RemoteType { get; } = typeof(Exception).FullName!;

    /// <summary>The silo the call ran on.</summary>
    public SiloId Silo { get; }
}
