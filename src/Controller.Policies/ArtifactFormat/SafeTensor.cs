namespace Controller.Policies.ArtifactFormat;

/// <summary>One named F32 tensor of a safetensors file: its shape and its values, row-major.</summary>
public sealed class SafeTensor
{
    private readonly int[] _shape;
    private readonly float[] _values;

    /// <summary>Creates a tensor; <paramref name="values"/> must hold exactly the product of <paramref name="shape"/> values.</summary>
    public SafeTensor(string name, ReadOnlySpan<int> shape, float[] values)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(values);
        long count = 1;
        foreach (var dimension in shape)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(dimension, nameof(shape));
            count *= dimension;
            if (count > Array.MaxLength)
            {
                throw new ArgumentException($"Tensor '{name}' is too large.", nameof(shape));
            }
        }

        if (count != values.Length)
        {
            throw new ArgumentException($"Tensor '{name}' of shape {FormatShape(shape)} needs {count} values, got {values.Length}.", nameof(values));
        }

        Name = name;
        _shape = shape.ToArray();
        _values = values;
    }

    /// <summary>The tensor's key in the file.</summary>
    public string Name { get; }

    /// <summary>Dimensions, outermost first (empty for a scalar).</summary>
    public ReadOnlySpan<int> Shape => _shape;

    /// <summary>The values, row-major.</summary>
    public ReadOnlySpan<float> Values => _values;

    /// <summary>The shape as text, for messages: <c>[64, 1]</c>.</summary>
    public string ShapeText => FormatShape(_shape);

    /// <summary>True when the shape is exactly <paramref name="expected"/>.</summary>
    public bool HasShape(ReadOnlySpan<int> expected) => expected.SequenceEqual(_shape);

    /// <summary>Formats a shape for messages: <c>[64, 1]</c>.</summary>
    public static string FormatShape(ReadOnlySpan<int> shape)
    {
        var parts = new string[shape.Length];
        for (var i = 0; i < shape.Length; i++)
        {
            parts[i] = shape[i].ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return $"[{string.Join(", ", parts)}]";
    }
}
