using System.Net;
using Controller.Grains.Hosting;

namespace Controller.Grains.Tests;

public sealed class RegionHashPlacementTests
{
    private static readonly SiloAddress[] Silos = [.. Enumerable.Range(0, 3).Select(i => SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 11111 + i), 1))];
    private static readonly string[] Regions = [.. Enumerable.Range(0, 300).Select(i => $"r{i:D3}")];

    [Fact]
    public void Every_silo_gets_a_share_of_the_regions()
    {
        var counts = Regions.GroupBy(r => RegionHashPlacementDirector.Choose(r, Silos)).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(3, counts.Count);
        // 300 over 3: each within 70-130 (a binomial's 4 standard deviations is about 33).
        Assert.All(counts.Values, c => Assert.InRange(c, 70, 130));
    }

    [Fact]
    public void The_choice_does_not_depend_on_the_order_the_silos_are_listed_in()
    {
        var reversed = Silos.Reverse().ToArray();
        Assert.All(Regions, r => Assert.Equal(RegionHashPlacementDirector.Choose(r, Silos), RegionHashPlacementDirector.Choose(r, reversed)));
    }

    [Fact]
    public void When_a_silo_goes_only_its_regions_move_and_the_survivors_share_them()
    {
        var survivors = Silos[..2];
        var moved = new List<SiloAddress>();
        foreach (var region in Regions)
        {
            var before = RegionHashPlacementDirector.Choose(region, Silos);
            var after = RegionHashPlacementDirector.Choose(region, survivors);
            if (before.Equals(Silos[2]))
            {
                moved.Add(after);
            }
            else
            {
                Assert.Equal(before, after);
            }
        }

        Assert.Equal(2, moved.Distinct().Count());
    }
}
