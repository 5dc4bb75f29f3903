using Controller.Runtime.Storage;

namespace Controller.Runtime.Tests.Storage;

public sealed class FileStateNamingTests
{
    public static TheoryData<string> ShortNames => [.. GrainStorageContractTests.AwkwardKeys.Where(k => k.Length < 20)];

    [Theory]
    [MemberData(nameof(ShortNames))]
    public void Escape_ShortName_IsSafeAndRoundTrips(string name)
    {
        var escaped = FileStateNaming.Escape(name);

        Assert.Matches("^[a-z0-9_%A-F-]*$", escaped);
        Assert.True(FileStateNaming.TryUnescape(escaped, out var back));
        Assert.Equal(name, back);
    }

    [Fact]
    public void Escape_Examples_MatchDocumentedForm()
    {
        Assert.Equal("region-3%2F%43ell%2017", FileStateNaming.Escape("region-3/Cell 17"));
        Assert.Equal("%2E%2E", FileStateNaming.Escape(".."));
        Assert.Equal("zelle-%C3%BC", FileStateNaming.Escape("zelle-ü"));
    }

    [Fact]
    public void Escape_NamesDifferingOnlyInCase_DoNotCollideOnCaseInsensitiveDisks()
    {
        string[] names = ["cell", "Cell", "CELL", "%43ell", "c%45ll"];

        var escaped = names.Select(FileStateNaming.Escape).ToArray();

        Assert.Equal(names.Length, escaped.Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }

    [Fact]
    public void Escape_LongName_IsShortenedWithHashAndStaysDistinct()
    {
        var a = FileStateNaming.Escape(new string('k', 300));
        var b = FileStateNaming.Escape(new string('k', 299) + "l");

        Assert.True(a.Length <= FileStateNaming.MaxComponentLength, a);
        Assert.Contains("~", a, StringComparison.Ordinal);
        Assert.NotEqual(a, b);
        Assert.False(FileStateNaming.TryUnescape(a, out _));
    }

    [Fact]
    public void Escape_LongUnicodeName_DoesNotCutAnEscapeInHalf()
    {
        var escaped = FileStateNaming.Escape(string.Concat(Enumerable.Repeat("ü", 100)));

        var prefix = escaped[..escaped.IndexOf('~', StringComparison.Ordinal)];
        Assert.Matches("^(%[0-9A-F]{2})*$", prefix);
    }

    [Fact]
    public void Escape_LoneSurrogate_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => FileStateNaming.Escape("cell-\uD800"));
    }
}
