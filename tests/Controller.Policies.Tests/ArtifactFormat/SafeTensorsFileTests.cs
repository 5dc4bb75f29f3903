using System.Buffers.Binary;
using System.Text;
using Controller.Policies.ArtifactFormat;

namespace Controller.Policies.Tests.ArtifactFormat;

public sealed class SafeTensorsFileTests
{
    private const string Source = "model.safetensors";

    [Fact]
    public void Write_ThenRead_RoundTripsNamesShapesValuesAndMetadata()
    {
        using var temp = new TempDirectory();
        var path = temp.Combine(Source);
        SafeTensor[] tensors =
        [
            new("layers.0.w1.weight", [3, 2], [1f, -2f, 3.5f, float.Epsilon, -0f, 1e30f]),
            new("power.bias", [1], [0.25f]),
            new("empty", [0, 4], []),
            new("scalar", [], [42f]),
        ];

        SafeTensorsFile.Write(path, tensors, new Dictionary<string, string> { ["format"] = "controller-policy/1" });
        var read = SafeTensorsFile.Read(path);

        Assert.Equal(tensors.Select(t => t.Name), read.Tensors.Select(t => t.Name));
        foreach (var tensor in tensors)
        {
            var back = read.ByName[tensor.Name];
            Assert.True(back.HasShape(tensor.Shape), $"{tensor.Name}: {back.ShapeText}");
            Assert.True(back.Values.SequenceEqual(tensor.Values), tensor.Name);
        }

        Assert.Equal("controller-policy/1", read.Metadata["format"]);
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(0UL, BinaryPrimitives.ReadUInt64LittleEndian(bytes) % 8);
    }

    [Fact]
    public void Parse_HeaderKeysOutOfDataOrder_ReadsByOffsets()
    {
        var bytes = Build("""{"b": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}, "a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}""", Floats(1f, 2f));

        var file = SafeTensorsFile.Parse(bytes, Source);

        Assert.Equal(1f, file.ByName["a"].Values[0]);
        Assert.Equal(2f, file.ByName["b"].Values[0]);
        Assert.Equal(["a", "b"], file.Tensors.Select(t => t.Name));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    public void Parse_ShorterThanLengthPrefix_RejectedAsTruncated(int length)
    {
        var error = Assert.Throws<PolicyArtifactException>(() => SafeTensorsFile.Parse(new byte[length], Source));

        Assert.Equal($"{Source}: is {length} bytes long, shorter than the 8-byte header length (truncated file)", error.Message);
        Assert.Equal(Source, error.Path);
    }

    [Fact]
    public void Parse_HeaderLengthBeyondFile_Rejected()
    {
        var bytes = Build("""{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}""", Floats(1f));
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 1000);

        var error = Assert.Throws<PolicyArtifactException>(() => SafeTensorsFile.Parse(bytes, Source));

        Assert.Contains("header length 1000 runs past the end of the file", error.Message, StringComparison.Ordinal);
        Assert.StartsWith(Source + ": ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_HeaderNotJson_Rejected()
    {
        var error = Assert.Throws<PolicyArtifactException>(() => SafeTensorsFile.Parse(Build("""{"a": {"dtype": "F32",""", []), Source));

        Assert.StartsWith($"{Source}: header is not valid JSON (", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_HeaderNotAnObject_Rejected()
    {
        var error = Assert.Throws<PolicyArtifactException>(() => SafeTensorsFile.Parse(Build("[1, 2]", []), Source));

        Assert.Equal($"{Source}: header is a JSON Array, not an object of tensors", error.Message);
    }

    [Theory]
    [InlineData("F16", "tensor 'a' has dtype F16; controller-policy/1 weights are F32 only")]
    [InlineData("F64", "tensor 'a' has dtype F64; controller-policy/1 weights are F32 only")]
    [InlineData("Q7", "tensor 'a' has unknown dtype 'Q7'; controller-policy/1 weights are F32 only")]
    public void Parse_OtherOrUnknownDtype_Rejected(string dtype, string problem)
    {
        var bytes = Build($$$"""{"a": {"dtype": "{{{dtype}}}", "shape": [1], "data_offsets": [0, 4]}}""", Floats(1f));

        var error = Assert.Throws<PolicyArtifactException>(() => SafeTensorsFile.Parse(bytes, Source));

        Assert.Equal($"{Source}: {problem}", error.Message);
    }

    [Fact]
    public void Parse_GapBetweenTensors_Rejected()
    {
        var bytes = Build("""{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "b": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]}}""", Floats(1f, 2f, 3f));

        var error = Assert.Throws<PolicyArtifactException>(() => SafeTensorsFile.Parse(bytes, Source));

        Assert.Equal($"{Source}: data bytes [4, 8) belong to no tensor (offsets must tile the data without gaps)", error.Message);
    }

    [Fact]
    public void Parse_OverlappingTensors_Rejected()
    {
        var bytes = Build("""{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}""", Floats(1f, 2f));

        var error = Assert.Throws<PolicyArtifactException>(() => SafeTensorsFile.Parse(bytes, Source));

        Assert.Equal($"{Source}: tensor 'b' (bytes [4, 8)) overlaps tensor 'a' (bytes [0, 8)); offsets must tile the data", error.Message);
    }

    [Fact]
    public void Parse_TrailingBytesAfterLastTensor_Rejected()
    {
        var bytes = Build("""{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}""", Floats(1f, 2f));

        var error = Assert.Throws<PolicyArtifactException>(() => SafeTensorsFile.Parse(bytes, Source));

        Assert.Equal($"{Source}: the last 4 data bytes belong to no tensor (offsets must tile the data)", error.Message);
    }

    [Fact]
    public void Parse_DataShorterThanOffsets_RejectedAsTruncated()
    {
        var bytes = Build("""{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}""", Floats(1f));

        var error = Assert.Throws<PolicyArtifactException>(() => SafeTensorsFile.Parse(bytes, Source));

        Assert.Equal($"{Source}: tensor 'a' ends at data byte 8 but the file holds only 4 data bytes (truncated file?)", error.Message);
    }

    [Fact]
    public void Parse_ShapeDisagreesWithByteCount_Rejected()
    {
        var bytes = Build("""{"a": {"dtype": "F32", "shape": [3, 2], "data_offsets": [0, 8]}}""", Floats(1f, 2f));

        var error = Assert.Throws<PolicyArtifactException>(() => SafeTensorsFile.Parse(bytes, Source));

        Assert.Equal($"{Source}: tensor 'a' of shape [3, 2] needs 24 bytes of F32 but its data_offsets [0, 8] span 8", error.Message);
    }

    [Theory]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "Infinity")]
    [InlineData(float.NegativeInfinity, "-Infinity")]
    public void Parse_NonFiniteValue_Rejected(float value, string shown)
    {
        var bytes = Build("""{"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 12]}}""", Floats(1f, value, 2f));

        var error = Assert.Throws<PolicyArtifactException>(() => SafeTensorsFile.Parse(bytes, Source));

        Assert.Equal($"{Source}: tensor 'a' holds a non-finite value ({shown}) at flat index 1", error.Message);
    }

    [Theory]
    [InlineData("""{"a": {"dtype": "F32", "shape": [1]}}""", "tensor 'a' has no data_offsets")]
    [InlineData("""{"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}""", "tensor 'a': shape must hold whole numbers >= 0 (got -1)")]
    [InlineData("""{"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 0]}}""", "tensor 'a': data_offsets must be [begin, end] with begin <= end (got [4, 0])")]
    [InlineData("""{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4], "extra": 1}}""", "tensor 'a' has an unexpected field 'extra' (expected dtype, shape, data_offsets)")]
    [InlineData("""{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}""", "header names 'a' twice")]
    [InlineData("""{"__metadata__": {"format": 1}, "a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}""", "'__metadata__.format' must be a string")]
    public void Parse_MalformedEntry_Rejected(string header, string problem)
    {
        var error = Assert.Throws<PolicyArtifactException>(() => SafeTensorsFile.Parse(Build(header, Floats(1f)), Source));

        Assert.Equal($"{Source}: {problem}", error.Message);
    }

    [Fact]
    public void Read_MissingFile_NamesTheFile()
    {
        using var temp = new TempDirectory();
        var path = temp.Combine("absent.safetensors");

        var error = Assert.Throws<PolicyArtifactException>(() => SafeTensorsFile.Read(path));

        Assert.StartsWith($"{path}: cannot be read (", error.Message, StringComparison.Ordinal);
    }

    private static byte[] Build(string header, byte[] data)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + json.Length);
        return bytes;
    }

    private static byte[] Floats(params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        }

        return bytes;
    }
}
