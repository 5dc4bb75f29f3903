using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Providers;
using Orleans.Runtime.Hosting;

namespace Controller.Persistence;

/// <summary>Registers <see cref="FileGrainStorage"/> as a named (keyed) Orleans grain storage provider.</summary>
/// <remarks>
/// Orleans 10.4.2 itself ships a provider with the same method name in namespace
/// <c>Orleans.Persistence.FileStorage</c>; do not import both namespaces in one file.
/// </remarks>
public static class FileGrainStorageSiloBuilderExtensions
{
    /// <summary>
    /// Adds file grain storage called <paramref name="name"/>, used by grains through
    /// <c>[PersistentState("state", name)]</c>. The options are validated when the silo starts.
    /// </summary>
    public static ISiloBuilder AddFileGrainStorage(this ISiloBuilder builder, string name, Action<FileGrainStorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        return builder.ConfigureServices(services => services.AddFileGrainStorage(name, configure));
    }

    /// <summary>Adds file grain storage as the default provider (grains whose state names no provider use it).</summary>
    public static ISiloBuilder AddFileGrainStorageAsDefault(this ISiloBuilder builder, Action<FileGrainStorageOptions> configure) =>
        builder.AddFileGrainStorage(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME, configure);

    /// <summary>The service-collection form of <see cref="AddFileGrainStorage(ISiloBuilder, string, Action{FileGrainStorageOptions})"/>.</summary>
    public static IServiceCollection AddFileGrainStorage(this IServiceCollection services, string name, Action<FileGrainStorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configure);

        services.AddOptions<FileGrainStorageOptions>(name).Configure(configure);
        services.ConfigureNamedOptionForLogging<FileGrainStorageOptions>(name);
        services.AddTransient<IConfigurationValidator>(sp => new FileGrainStorageOptionsValidator(
            sp.GetRequiredService<IOptionsMonitor<FileGrainStorageOptions>>().Get(name), name));
        // Keyed singleton under the provider name; the default name is also registered unkeyed.
        services.AddGrainStorage(name, static (sp, key) => new FileGrainStorage(
            key,
            sp.GetRequiredService<IOptionsMonitor<FileGrainStorageOptions>>().Get(key),
            sp.GetService<ILogger<FileGrainStorage>>()));
        return services;
    }
}
