namespace Controller.Runtime.Grains;

/// <summary>Hands out typed references to grains. Getting a reference does not activate anything.</summary>
public interface IGrainFactory
{
    /// <summary>A reference to the grain of interface <typeparamref name="TGrain"/> with key <paramref name="key"/>.</summary>
    TGrain GetGrain<TGrain>(string key)
        where TGrain : IGrain;
}
