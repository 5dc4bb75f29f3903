using System.Text;

namespace Controller.Persistence.Tests.Grains;

public sealed class StateFileNamingTests
{
    public static TheoryData<string> AwkwardNames =>
    [
        "cell-17", "..", ".", "../x", "..\\..\\x", "/etc/passwd", "C:\\Windows", "a/b", "a b", "%41", "100%", "~", "con",
        "Cell", "zelle-ü", "日本", "emoji-😀", "tab\there", "new\nline", "nul\0byte", "a.b.c", "-_-",
    ];

    [Theory]
    [MemberData(nameof(AwkwardNames))]
    public void Component_AwkwardName_IsOneSafeComponentThatRoundTrips(string name)
    {
        var component = StateFileNaming.Component(name);

        Assert.Matches("^[a-z0-9_%A-F-]+$", component);
        Assert.True(StateFileNaming.TryUnescape(component, out string back));
        Assert.Equal(name, back);
    }

    [Fact]
    public void Component_Examples_MatchTheReadme()
    {
        Assert.Equal("region-3%2F%43ell%2017", StateFileNaming.Component("region-3/Cell 17"));
        Assert.Equal("%2E%2E%2Fx", StateFileNaming.Component("../x"));
        Assert.Equal("zelle-%C3%BC", StateFileNaming.Component("zelle-ü"));
    }

    [Fact]
    public void Component_NamesDifferingOnlyInCase_StayDistinctOnCaseInsensitiveDisks()
    {
        string[] names = ["cell", "Cell", "CELL", "%43ell", "c%45ll", "%63ell"];

        var components = names.Select(StateFileNaming.Component).ToArray();

        Assert.Equal(names.Length, components.Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }

    [Fact]
    public void Component_LongName_IsShortenedWithAHash_AndStaysDistinct()
    {
        var a = StateFileNaming.Component(new string('k', 300));
        var b = StateFileNaming.Component(new string('k', 299) + "l");

        Assert.True(a.Length <= StateFileNaming.MaxComponentLength, a);
        Assert.Equal(StateFileNaming.ShortenedPrefixLength + 1 + 32, a.Length);
        Assert.Contains(StateFileNaming.HashMarker, a);
        Assert.NotEqual(a, b);
        Assert.False(StateFileNaming.TryUnescape(a, out byte[] _));
    }

    [Fact]
    public void Component_ExactlyAtTheLimit_IsNotShortened()
    {
        var name = new string('k', StateFileNaming.MaxComponentLength);

        Assert.Equal(name, StateFileNaming.Component(name));
        Assert.Contains(StateFileNaming.HashMarker, StateFileNaming.Component(name + "k"));
    }

    [Fact]
    public void Component_LongUnicodeName_NeverCutsAnEscapeInHalf()
    {
        for (var offset = 0; offset < 3; offset++)
        {
            var component = StateFileNaming.Component(new string('k', offset) + string.Concat(Enumerable.Repeat("ü", 100)));

            var prefix = component[..component.IndexOf(StateFileNaming.HashMarker, StringComparison.Ordinal)];
            Assert.Matches("^k*(%[0-9A-F]{2})*$", prefix);
        }
    }

    [Fact]
    public void Component_RawBytes_AreEscapedAsBytes_EvenWhenNotUtf8()
    {
        byte[] bytes = [0xFF, 0x00, (byte)'a'];

        var component = StateFileNaming.Component(bytes);

        Assert.Equal("%FF%00a", component);
        Assert.True(StateFileNaming.TryUnescape(component, out byte[] back));
        Assert.Equal(bytes, back);
        Assert.False(StateFileNaming.TryUnescape(component, out string _));
    }

    [Fact]
    public void Component_LoneSurrogate_ThrowsArgumentException()
    {
        var error = Assert.Throws<ArgumentException>(() => StateFileNaming.Component("cell-\uD800"));
        Assert.Contains("lone surrogate", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("%61")]
    [InlineData("%2e")]
    [InlineData("%2")]
    [InlineData("A")]
    [InlineData("a.b")]
    [InlineData("a~0123")]
    public void TryUnescape_SomethingEscapingNeverProduces_IsRejected(string escaped)
    {
        Assert.False(StateFileNaming.TryUnescape(escaped, out byte[] _));
    }

    [Fact]
    public void Escape_IsNeverShortened()
    {
        var name = new string('x', 500);

        Assert.Equal(name, StateFileNaming.Escape(Encoding.UTF8.GetBytes(name)));
    }
}
