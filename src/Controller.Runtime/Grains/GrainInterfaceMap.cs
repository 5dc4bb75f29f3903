using System.Reflection;
using System.Text;

namespace Controller.Runtime.Grains;

/// <summary>A registered grain interface: its type name, implementation factory and method table.</summary>
internal sealed class GrainInterfaceMap
{
    private readonly Dictionary<MethodInfo, GrainMethod> _methods = [];
    private readonly Dictionary<string, GrainMethod> _byName = new(StringComparer.Ordinal);

    public GrainInterfaceMap(Type grainInterface, Type implementation, Func<IServiceProvider?, Grain> factory)
    {
        if (!grainInterface.IsInterface || !typeof(IGrain).IsAssignableFrom(grainInterface))
        {
            throw new ArgumentException($"{grainInterface.Name} is not an interface deriving from IGrain.", nameof(grainInterface));
        }

        Interface = grainInterface;
        Implementation = implementation;
        Factory = factory;
        TypeName = grainInterface.GetCustomAttribute<GrainTypeAttribute>()?.Name ?? DefaultTypeName(grainInterface);
        foreach (var type in new[] { grainInterface }.Concat(grainInterface.GetInterfaces()).Where(t => t != typeof(IGrain)))
        {
            foreach (var method in type.GetMethods())
            {
                var entry = GrainMethod.Create(TypeName, type, method);
                // Calls travel by method name: overloads would be ambiguous on the wire.
                if (!_byName.TryAdd(method.Name, entry))
                {
                    throw new ArgumentException($"Grain interface {grainInterface.Name} has two methods named {method.Name}; grain methods need unique names.", nameof(grainInterface));
                }

                _methods[method] = entry;
            }
        }
    }

    public Type Interface { get; }

    public Type Implementation { get; }

    public string TypeName { get; }

    public Func<IServiceProvider?, Grain> Factory { get; }

    public GrainMethod Method(MethodInfo method) => _methods[method];

    /// <summary>The method called <paramref name="name"/>, as named in a call's wire form.</summary>
    public GrainMethod Method(string name) => _byName.TryGetValue(name, out var method)
        ? method
        : throw new GrainCallSerializationException($"Grain type '{TypeName}' has no method named '{name}'.");

    /// <summary>The method called <paramref name="name"/>, or null.</summary>
    public GrainMethod? TryGetMethod(string name) => _byName.GetValueOrDefault(name);

    private static string DefaultTypeName(Type grainInterface)
    {
        var name = grainInterface.Name;
        if (name.Length > 1 && name[0] == 'I' && char.IsUpper(name[1]))
        {
            name = name[1..];
        }

        if (name.EndsWith("Grain", StringComparison.Ordinal) && name.Length > 5)
        {
            name = name[..^5];
        }

        var builder = new StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                builder.Append('-');
            }

            builder.Append(char.ToLowerInvariant(name[i]));
        }

        return builder.ToString();
    }
}
