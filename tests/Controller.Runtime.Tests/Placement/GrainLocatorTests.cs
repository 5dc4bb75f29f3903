using Controller.Runtime.Grains;
using Controller.Runtime.Placement;
using Controller.Runtime.Tests.Grains;

namespace Controller.Runtime.Tests.Placement;

public sealed class GrainLocatorTests
{
    private static readonly SiloId[] ThreeSilos = [new(0), new(1), new(2)];

    [Fact]
    public void Rendezvous_SameKey_SameSiloAndRoughlyBalanced()
    {
        var locator = new RendezvousGrainLocator(ThreeSilos);
        var counts = new int[3];
        for (var i = 0; i < 3000; i++)
        {
            var id = new GrainId("cell", $"cell-{i}");
            var silo = locator.Locate(id);
            Assert.Equal(silo, locator.Locate(id));
            counts[silo.Ordinal]++;
        }

        Assert.All(counts, c => Assert.InRange(c, 850, 1150));
    }

    [Fact]
    public void Rendezvous_SiloLeaves_OnlyItsGrainsMove()
    {
        var before = new RendezvousGrainLocator(ThreeSilos);
        var after = new RendezvousGrainLocator([new(0), new(2)]);

        for (var i = 0; i < 2000; i++)
        {
            var id = new GrainId("user", $"u{i}");
            var home = before.Locate(id);
            if (home.Ordinal != 1)
            {
                Assert.Equal(home, after.Locate(id));
            }
        }
    }

    [Fact]
    public void Rendezvous_PlacementKeyByRegion_CellsAndUsersOfARegionTogether()
    {
        var locator = new RendezvousGrainLocator(ThreeSilos, id => id.Key.Split('/')[0]);

        for (var region = 0; region < 50; region++)
        {
            var cell = locator.Locate(new GrainId("cell", $"r{region}/c1"));
            Assert.Equal(cell, locator.Locate(new GrainId("user", $"r{region}/u7")));
            Assert.Equal(cell, locator.Locate(new GrainId("cell", $"r{region}/c9")));
        }
    }

    [Fact]
    public async Task Runtime_GrainPlacedOnAnotherSilo_ClearErrorNotALocalActivation()
    {
        var locator = new RendezvousGrainLocator(ThreeSilos);
        await using var runtime = new GrainRuntimeBuilder().AddGrain<ICounterGrain, CounterGrain>().UseLocator(locator, new SiloId(0)).Build();
        var remoteKey = Enumerable.Range(0, 100).Select(i => $"k{i}").First(k => locator.Locate(new GrainId("counter", k)).Ordinal != 0);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => runtime.GetGrain<ICounterGrain>(remoteKey).GetAsync());

        Assert.Contains($"counter/{remoteKey}", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, runtime.ActivationCount);
    }
}
