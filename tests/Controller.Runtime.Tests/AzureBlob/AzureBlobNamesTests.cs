using Controller.Runtime.Grains;
using Controller.Runtime.Storage;

namespace Controller.Runtime.Tests.AzureBlob;

public sealed class AzureBlobNamesTests
{
    [Theory]
    [InlineData("cell-17", "cell-17")]
    [InlineData("region-3/cell-17", "region-3~2Fcell-17")]
    [InlineData("with space", "with~20space")]
    [InlineData("a~2F", "a~7E2F")]
    [InlineData("", "~")]
    [InlineData(".", "~2E")]
    [InlineData("..", ".~2E")]
    [InlineData("v1.2", "v1.2")]
    [InlineData("ü", "~C3~BC")]
    [InlineData("😀", "~F0~9F~98~80")]
    public void EscapeSegment_Key_GivesUnreservedCharactersOnly(string key, string expected)
    {
        Assert.Equal(expected, AzureBlobNames.EscapeSegment(key));
    }

    [Fact]
    public void BlobName_KeysThatLookAlike_GetDistinctNames()
    {
        string[] keys = ["a/b", "a~2Fb", "a%2Fb", "a b", "a+b", "", "~", ".", "..", "a.", "a~2E"];

        var names = keys.Select(k => AzureBlobNames.BlobName(new GrainId("cell", k), "state")).ToArray();

        Assert.Equal(keys.Length, names.Distinct(StringComparer.Ordinal).Count());
        Assert.All(names, n => Assert.Equal(2, n.Count(c => c == '/')));
    }

    [Fact]
    public void BlobName_TooLong_ThrowsNamingTheGrain()
    {
        var grain = new GrainId("cell", new string('x', 1100));

        var error = Assert.Throws<ArgumentException>(() => AzureBlobNames.BlobName(grain, "state"));

        Assert.Contains("1024", error.Message, StringComparison.Ordinal);
    }
}
