using Orleans.Hosting;
using Orleans.Runtime.Hosting;
using Orleans.Storage;

namespace Controller.Persistence;

/// <summary>Registers <see cref="ProcessGrainStorage"/> as a named (keyed) Orleans grain storage provider.</summary>
public static class ProcessGrainStorageSiloBuilderExtensions
{
    /// <summary>
    /// Adds grain storage called <paramref name="name"/> that keeps states in this process's memory (lost when the
    /// process ends), used by grains through <c>[PersistentState("state", name)]</c>. One silo per process only.
    /// </summary>
    public static ISiloBuilder AddProcessGrainStorage(this ISiloBuilder builder, string name, IGrainStorageSerializer? serializer = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return builder.ConfigureServices(services => services.AddGrainStorage(name, (_, key) => new ProcessGrainStorage(key, serializer)));
    }
}
