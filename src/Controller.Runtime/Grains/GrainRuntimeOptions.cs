namespace Controller.Runtime.Grains;

/// <summary>Runtime settings, checked when the runtime is built.</summary>
public sealed class GrainRuntimeOptions
{
    /// <summary>An activation with no turn for this long is deactivated (its OnDeactivateAsync persists it).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How often idle activations are looked for.</summary>
    public TimeSpan CollectionInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Messages an activation's mailbox holds before senders wait (backpressure).</summary>
    public int MailboxCapacity { get; set; } = 1024;

    /// <summary>
    /// Puts every call's arguments and result through the wire codec (JSON), as a call between silos
    /// does: grains get copies, and an argument that cannot cross processes fails at once with
    /// <see cref="GrainCallSerializationException"/>. Costs a serialization per call; for tests and
    /// for checking grain code before running a cluster.
    /// </summary>
    public bool SerializeCalls { get; set; }

    /// <summary>How long shutdown waits for an activation's current turn and OnDeactivateAsync.</summary>
    public TimeSpan DeactivationTimeout { get; set; } = TimeSpan.FromSeconds(30);

    internal void Validate()
    {
        if (DeactivationTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(DeactivationTimeout), DeactivationTimeout, "The deactivation timeout must be positive.");
        }

        if (IdleTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(IdleTimeout), IdleTimeout, "The idle timeout must be positive.");
        }

        if (CollectionInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(CollectionInterval), CollectionInterval, "The collection interval must be positive.");
        }

        if (MailboxCapacity < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(MailboxCapacity), MailboxCapacity, "A mailbox must hold at least 2 messages (a call and the deactivation turn).");
        }
    }
}
