namespace Controller.Radio.Randomness;

/// <summary>Names of the independent random sub-streams of one run seed.</summary>
public static class RandomStreams
{
    /// <summary>Positions, shadowing and other per-configuration draws.</summary>
    public const ulong Layout = 1;

    /// <summary>Small-scale fading and anything else that changes per slot in the channel.</summary>
    public const ulong Channel = 2;

    /// <summary>Per-slot link or user activity.</summary>
    public const ulong Activity = 3;

    /// <summary>Randomized decisions of a policy (for example random full power).</summary>
    public const ulong Policy = 4;

    /// <summary>Receiver mobility.</summary>
    public const ulong Mobility = 5;

    /// <summary>The error between a channel estimate and the true channel (the ISAC scenario's bounded CSI error).</summary>
    public const ulong ChannelError = 6;
}
