using Controller.Radio.Allocation;
using Controller.Radio.Policies;

namespace Controller.Radio.Tests.Allocation;

public class LocalThresholdAllocatorTests
{
    [Fact]
    public void Allocate_OnExactlyWhereTheOwnSnrReachesTheThreshold()
    {
        // Noise 0.5, p0 = 2: own SNRs 2 x (1, 5, 10, 4.9) / 0.5 = 4, 20, 40, 19.6 against 10^1.3 = 19.95. Strong
        // cross gains do not matter: the rule sees only the direct gain.
        var links = new LinkSet();
        links.SetLinks(
            [
                1, 50, 50, 50,
                50, 5, 50, 50,
                50, 50, 10, 50,
                50, 50, 50, 4.9,
            ],
            4,
            0.5,
            2,
            8);
        var power = new double[4];

        new LocalThresholdAllocator(13).Allocate(links, power);

        Assert.Equal([0, 2, 2, 0], power);
    }

    [Theory]
    [InlineData("local-threshold")]
    [InlineData("local-threshold:")]
    [InlineData("local-threshold:abc")]
    [InlineData("local-threshold:NaN")]
    [InlineData("local-threshold:1e9")]
    public void Catalog_RefusesAMissingOrBadThreshold(string spec)
    {
        var error = Assert.Throws<RadioInputException>(() => PolicyCatalog.Validate(spec));
        Assert.Contains("SNR threshold in dB in [-50, 100]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Catalog_ListsTheRuleAsATemplateAndBuildsIt()
    {
        Assert.Contains(PolicyCatalog.Policies, p => p.Name == "local-threshold:<T>");
        var allocator = Assert.IsType<LocalThresholdAllocator>(PolicyCatalog.CreateAllocator("local-threshold:17.5", 1, 0));
        Assert.Equal(17.5, allocator.ThresholdDb);
    }
}
