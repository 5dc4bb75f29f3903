using Controller.Ran.Contract;

namespace Controller.Ran.Tests.Contract;

public sealed class TelemetryCheckTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly RegionTopology Topology = new("r000", "test", ["r000/c00", "r000/c01"], ["r000/u000", "r000/u001", "r000/u002"], [0, 1, 1], 1e-10, 10, "mW");

    private static RegionTelemetry Sample(long slot = 5) => new(
        "r000",
        slot,
        Now,
        [[1e-9, 2e-10], [3e-11, 4e-9], [5e-10, 0.0]],
        [true, true, false],
        [1.5, 0.0, 0.0],
        [1.0, 1.0, 0.0]);

    [Fact]
    public void Check_WellFormedFreshSample_Usable()
    {
        var verdict = TelemetryCheck.Check(Topology, Sample(), 5, Now);

        Assert.True(verdict.IsUsable);
        Assert.Equal(string.Empty, verdict.Reason);
    }

    [Fact]
    public void Check_WakeFlagsOnePerCell_Usable()
    {
        Assert.True(TelemetryCheck.Check(Topology, Sample() with { Awake = [false, true] }, 5, Now).IsUsable);
    }

    public static TheoryData<string, TelemetryDefect, string> Defects => new()
    {
        { "region", TelemetryDefect.UnknownIds, "Telemetry names region 'r001' but region 'r000' was pulled." },
        { "extra-row", TelemetryDefect.UnknownIds, "Telemetry of region 'r000' has 4 gain rows; the topology lists only 3 users." },
        { "missing-row", TelemetryDefect.MissingValues, "Telemetry of region 'r000' has 2 gain rows; the topology lists 3 users." },
        { "null-gains", TelemetryDefect.MissingValues, "Telemetry of region 'r000' has 0 gain rows; the topology lists 3 users." },
        { "short-row", TelemetryDefect.MissingValues, "Telemetry of region 'r000' has 1 gains for user 'r000/u001'; the topology lists 2 cells." },
        { "null-row", TelemetryDefect.MissingValues, "Telemetry of region 'r000' has 0 gains for user 'r000/u001'; the topology lists 2 cells." },
        { "long-row", TelemetryDefect.UnknownIds, "Telemetry of region 'r000' has 3 gains for user 'r000/u001'; the topology lists 2 cells." },
        { "short-active", TelemetryDefect.MissingValues, "Telemetry of region 'r000' has 2 activity flags; the topology lists 3 users." },
        { "long-rates", TelemetryDefect.UnknownIds, "Telemetry of region 'r000' has 4 rates; the topology lists only 3 users." },
        { "short-awake", TelemetryDefect.MissingValues, "Telemetry of region 'r000' has 1 wake flags; the topology lists 2 cells." },
        { "long-awake", TelemetryDefect.UnknownIds, "Telemetry of region 'r000' has 3 wake flags; the topology lists only 2 cells." },
        { "nan-gain", TelemetryDefect.NonFiniteValue, "Gain from cell 'r000/c01' to user 'r000/u002' is NaN; gains must be finite and not negative." },
        { "infinite-gain", TelemetryDefect.NonFiniteValue, "Gain from cell 'r000/c01' to user 'r000/u002' is Infinity; gains must be finite and not negative." },
        { "negative-gain", TelemetryDefect.NegativeValue, "Gain from cell 'r000/c01' to user 'r000/u002' is -1E-12; gains must be finite and not negative." },
        { "negative-rate", TelemetryDefect.NegativeValue, "Rate of user 'r000/u001' is -0.5; it must be finite and not negative." },
        { "nan-demand", TelemetryDefect.NonFiniteValue, "Demand of user 'r000/u002' is NaN; it must be finite and not negative." },
        { "huge-demand", TelemetryDefect.OutOfRange, "Demand of user 'r000/u001' is 1000; it must be at most 40." },
        { "old-slot", TelemetryDefect.Late, "Telemetry of region 'r000' is for slot 4; slot 5 or later was expected." },
        { "old-timestamp", TelemetryDefect.Late, "Telemetry of region 'r000' is stamped 2025-12-31T23:59:59.0000000+00:00, before the previous sample (2026-01-01T00:00:00.0000000+00:00)." },
    };

    [Theory]
    [MemberData(nameof(Defects))]
    public void Check_DefectiveSample_RejectedWithItsDefectAndReason(string defect, TelemetryDefect expected, string reason)
    {
        var good = Sample();
        var gains = good.Gains.Select(row => row.ToArray()).ToArray();
        var sample = defect switch
        {
            "region" => good with { RegionId = "r001" },
            "short-awake" => good with { Awake = [true] },
            "long-awake" => good with { Awake = [true, false, true] },
            "extra-row" => good with { Gains = [.. gains, [1.0, 1.0]] },
            "missing-row" => good with { Gains = gains[..2] },
            "null-gains" => good with { Gains = null! },
            "short-row" => good with { Gains = [gains[0], [1.0], gains[2]] },
            "null-row" => good with { Gains = [gains[0], null!, gains[2]] },
            "long-row" => good with { Gains = [gains[0], [1.0, 1.0, 1.0], gains[2]] },
            "short-active" => good with { Active = [true, true] },
            "long-rates" => good with { Rates = [0.0, 0.0, 0.0, 0.0] },
            "nan-gain" => good with { Gains = [gains[0], gains[1], [1.0, double.NaN]] },
            "infinite-gain" => good with { Gains = [gains[0], gains[1], [1.0, double.PositiveInfinity]] },
            "negative-gain" => good with { Gains = [gains[0], gains[1], [1.0, -1e-12]] },
            "negative-rate" => good with { Rates = [0.0, -0.5, 0.0] },
            "nan-demand" => good with { Demands = [0.0, 0.0, double.NaN] },
            "huge-demand" => good with { Demands = [0.0, 1000.0, 0.0] },
            "old-slot" => good with { Slot = 4 },
            _ => good with { Timestamp = Now - TimeSpan.FromSeconds(1) },
        };

        var verdict = TelemetryCheck.Check(Topology, sample, 5, Now);

        Assert.False(verdict.IsUsable);
        Assert.Equal(expected, verdict.Defect);
        Assert.Equal(reason, verdict.Reason);
    }

    [Fact]
    public void Check_SameSlotAgainWhenNoDecisionApplied_Usable()
    {
        // After a rejected or unavailable push the controller pulls the same slot again; that is not late.
        Assert.True(TelemetryCheck.Check(Topology, Sample(5), 5, Now).IsUsable);
        Assert.True(TelemetryCheck.Check(Topology, Sample(9), 5, null).IsUsable);
    }

    [Fact]
    public void Check_LowerSlotWithANewerTimestamp_UsableAsARanRestart()
    {
        // A restarted RAN numbers its slots from 0 again while its clock moves on; a late sample's clock does not.
        var restarted = TelemetryCheck.Check(Topology, Sample(0) with { Timestamp = Now + TimeSpan.FromSeconds(1) }, 5, Now);
        var late = TelemetryCheck.Check(Topology, Sample(0), 5, Now);
        var noHistory = TelemetryCheck.Check(Topology, Sample(0), 5, null);

        Assert.True(restarted.IsUsable);
        Assert.True(restarted.RanRestarted);
        Assert.Equal(TelemetryDefect.Late, late.Defect);
        Assert.False(late.RanRestarted);
        Assert.Equal(TelemetryDefect.Late, noHistory.Defect);
        Assert.False(TelemetryCheck.Check(Topology, Sample(), 5, Now).RanRestarted);
    }
}
