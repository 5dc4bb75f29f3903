using System.Collections.Concurrent;
using System.Text.Json.Serialization;

namespace Controller.Ran.Http;

/// <summary>How a <see cref="RanControlLog"/> judges overlaps and how much it keeps.</summary>
public sealed class RanControlLogOptions
{
    /// <summary>Default <see cref="SwitchWindow"/>: 25 ms.</summary>
    public static readonly TimeSpan DefaultSwitchWindow = TimeSpan.FromMilliseconds(25);

    /// <summary>Default <see cref="InterleaveWindow"/>: 1 s.</summary>
    public static readonly TimeSpan DefaultInterleaveWindow = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Two accepted decisions in a row from different controllers closer than this are an overlap: a handover's new
    /// controller first activates the region, reads its state and pulls telemetry, which takes longer.
    /// </summary>
    public TimeSpan SwitchWindow { get; init; } = DefaultSwitchWindow;

    /// <summary>
    /// A controller whose decision is accepted again after another controller's, while its own previous one on the
    /// region is younger than this, overlapped (A, B, A: A never stopped). Longer than any loop period.
    /// </summary>
    public TimeSpan InterleaveWindow { get; init; } = DefaultInterleaveWindow;

    /// <summary>Accepted decisions kept per region for <c>?since=</c> reads (the oldest are dropped first).</summary>
    public int RecentCapacity { get; init; } = 4096;

    /// <summary>Clock of the acceptance times.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    internal void Validate()
    {
        if (SwitchWindow < TimeSpan.Zero || InterleaveWindow < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(SwitchWindow), "The control log's windows must not be negative.");
        }

        if (RecentCapacity is < 1 or > 1 << 20)
        {
            throw new ArgumentOutOfRangeException(nameof(RecentCapacity), RecentCapacity, "RecentCapacity must be in [1, 2^20].");
        }

        ArgumentNullException.ThrowIfNull(TimeProvider);
    }
}

/// <summary>
/// What the RAN saw of who controls each region: every accepted decision with the controller id its push carried
/// (header <see cref="HeaderName"/>; <see cref="Unidentified"/> without one). Per region: decisions accepted, the last
/// one's time and controller, handovers (an accepted decision whose controller differs from the previous one's), the
/// longest gap between consecutive accepted decisions, and overlaps. An accepted decision from controller B is an
/// overlap when (a) the previous accepted decision came from another controller A less than
/// <see cref="RanControlLogOptions.SwitchWindow"/> earlier, or (b) B had a decision accepted on the region less than
/// <see cref="RanControlLogOptions.InterleaveWindow"/> earlier and another controller's came in between (A, B, A
/// ... with both alive). A clean handover, A ... A, a gap, B ... B, is neither. Thread-safe; one lock per region.
/// </summary>
public sealed class RanControlLog
{
    /// <summary>The request header that names the pushing controller.</summary>
    public const string HeaderName = "X-Controller-Id";

    /// <summary>The id recorded for a push without <see cref="HeaderName"/>.</summary>
    public const string Unidentified = "unidentified";

    /// <summary>Longest controller id accepted.</summary>
    public const int MaxControllerIdLength = 200;

    /// <summary>Distinct controllers remembered per region; the one silent longest is forgotten first.</summary>
    internal const int MaxControllersPerRegion = 64;

    private readonly RanControlLogOptions _options;
    private readonly ConcurrentDictionary<string, RegionLog> _regions = new(StringComparer.Ordinal);

    /// <summary>Creates an empty log.</summary>
    public RanControlLog(RanControlLogOptions? options = null)
    {
        _options = options ?? new RanControlLogOptions();
        _options.Validate();
    }

    /// <summary>Null when <paramref name="controllerId"/> may travel in <see cref="HeaderName"/>, else why not.</summary>
    public static string? Check(string controllerId)
    {
        ArgumentNullException.ThrowIfNull(controllerId);
        return controllerId.Length is 0 or > MaxControllerIdLength || controllerId.Any(c => c is < '!' or > '~')
            ? $"A controller id must be 1 to {MaxControllerIdLength} printable ASCII characters without spaces (got {controllerId.Length} characters)."
            : null;
    }

    /// <summary>Records a decision the RAN accepted for <paramref name="regionId"/>'s <paramref name="slot"/>; true when it overlapped.</summary>
    public bool Record(string regionId, string? controllerId, long slot)
    {
        ArgumentNullException.ThrowIfNull(regionId);
        var region = _regions.GetOrAdd(regionId, static _ => new RegionLog());
        return region.Record(controllerId ?? Unidentified, slot, _options);
    }

    /// <summary>
    /// The log now: every region of <paramref name="regionIds"/> (those without a decision yet with zeros) and any
    /// other region that has one, in id order; with the accepted decisions later than <paramref name="since"/> when given.
    /// </summary>
    public ControlLogSnapshot Read(IEnumerable<string> regionIds, DateTimeOffset? since = null)
    {
        ArgumentNullException.ThrowIfNull(regionIds);
        var ids = new SortedSet<string>(regionIds, StringComparer.Ordinal);
        ids.UnionWith(_regions.Keys);
        var regions = new List<RegionControlLog>(ids.Count);
        foreach (var id in ids)
        {
            regions.Add(_regions.TryGetValue(id, out var region)
                ? region.Read(id, since)
                : new RegionControlLog(id, 0, null, null, 0, 0, 0, [], since is null ? null : []));
        }

        return new ControlLogSnapshot(
            _options.TimeProvider.GetUtcNow(),
            _options.SwitchWindow.TotalMilliseconds,
            _options.InterleaveWindow.TotalMilliseconds,
            regions);
    }

    private sealed class RegionLog
    {
        private readonly Lock _lock = new();
        private readonly Dictionary<string, ControllerState> _controllers = new(StringComparer.Ordinal);
        private Entry[] _recent = [];
        private int _next;
        private int _count;
        private long _accepted;
        private long _overlaps;
        private long _handovers;
        private TimeSpan _longestGap;
        private DateTimeOffset? _lastAt;
        private string? _lastController;

        public bool Record(string controllerId, long slot, RanControlLogOptions options)
        {
            lock (_lock)
            {
                var now = options.TimeProvider.GetUtcNow();
                var overlap = false;
                _controllers.TryGetValue(controllerId, out var own);
                if (_lastController is not null && _lastAt is { } lastAt)
                {
                    var gap = now - lastAt;
                    if (gap > _longestGap)
                    {
                        _longestGap = gap;
                    }

                    if (!string.Equals(_lastController, controllerId, StringComparison.Ordinal))
                    {
                        _handovers++;
                        // (a) the switch came too soon to be a handover; (b) this controller was still deciding here
                        // when the other one's decision came in between.
                        overlap = gap < options.SwitchWindow || (own is not null && now - own.Last < options.InterleaveWindow);
                    }
                }

                if (own is null)
                {
                    if (_controllers.Count >= MaxControllersPerRegion)
                    {
                        _controllers.Remove(_controllers.MinBy(c => c.Value.Last).Key);
                    }

                    own = new ControllerState { Id = controllerId, First = now };
                    _controllers.Add(controllerId, own);
                }

                own.Decisions++;
                own.Last = now;
                _accepted++;
                _overlaps += overlap ? 1 : 0;
                _lastAt = now;
                // The stored id: one string per controller, however many entries name it.
                _lastController = own.Id;
                Remember(new Entry(now, own.Id, slot, overlap), options.RecentCapacity);
                return overlap;
            }
        }

        public RegionControlLog Read(string regionId, DateTimeOffset? since)
        {
            lock (_lock)
            {
                List<AcceptedDecision>? recent = null;
                if (since is { } from)
                {
                    recent = [];
                    for (var i = 0; i < _count; i++)
                    {
                        var entry = _recent[(_next - _count + i + _recent.Length) % _recent.Length];
                        if (entry.At > from)
                        {
                            recent.Add(new AcceptedDecision(entry.At, entry.ControllerId, entry.Slot, entry.Overlap));
                        }
                    }
                }

                var controllers = _controllers
                    .OrderBy(c => c.Value.First)
                    .Select(c => new ControllerDecisions(c.Key, c.Value.Decisions, c.Value.First, c.Value.Last))
                    .ToList();
                return new RegionControlLog(regionId, _accepted, _lastAt, _lastController, _overlaps, _handovers, _longestGap.TotalSeconds, controllers, recent);
            }
        }

        private void Remember(Entry entry, int capacity)
        {
            if (_recent.Length < capacity && _count == _recent.Length)
            {
                // Grows by doubling up to the capacity, so a short run keeps a small array.
                var grown = new Entry[Math.Min(capacity, Math.Max(16, _recent.Length * 2))];
                for (var i = 0; i < _count; i++)
                {
                    grown[i] = _recent[(_next - _count + i + _recent.Length) % _recent.Length];
                }

                _recent = grown;
                _next = _count;
            }

            _recent[_next] = entry;
            _next = (_next + 1) % _recent.Length;
            _count = Math.Min(_count + 1, _recent.Length);
        }

        private readonly record struct Entry(DateTimeOffset At, string ControllerId, long Slot, bool Overlap);

        private sealed class ControllerState
        {
            public required string Id { get; init; }

            public DateTimeOffset First { get; init; }

            public DateTimeOffset Last { get; set; }

            public long Decisions { get; set; }
        }
    }
}

/// <summary>Body of <c>GET /ran/control-log</c>.</summary>
/// <param name="Now">The RAN's clock when read (UTC).</param>
/// <param name="SwitchWindowMs">Overlap rule (a)'s window.</param>
/// <param name="InterleaveWindowMs">Overlap rule (b)'s window.</param>
/// <param name="Regions">Every region, in id order.</param>
public sealed record ControlLogSnapshot(DateTimeOffset Now, double SwitchWindowMs, double InterleaveWindowMs, IReadOnlyList<RegionControlLog> Regions);

/// <summary>One region in the <see cref="ControlLogSnapshot"/>.</summary>
/// <param name="RegionId">The region.</param>
/// <param name="DecisionsAccepted">Decisions the RAN accepted (rejected pushes are not counted).</param>
/// <param name="LastAcceptedUtc">When the last one was accepted; null before the first.</param>
/// <param name="LastControllerId">Who pushed the last one.</param>
/// <param name="Overlaps">Accepted decisions that overlapped another controller's (see <see cref="RanControlLog"/>).</param>
/// <param name="Handovers">Accepted decisions whose controller differs from the previous one's.</param>
/// <param name="LongestGapSeconds">Longest time between two consecutive accepted decisions.</param>
/// <param name="Controllers">Each controller seen, by first decision.</param>
/// <param name="Recent">With <c>?since=</c>: the accepted decisions after that time still kept, oldest first.</param>
public sealed record RegionControlLog(
    string RegionId,
    long DecisionsAccepted,
    DateTimeOffset? LastAcceptedUtc,
    string? LastControllerId,
    long Overlaps,
    long Handovers,
    double LongestGapSeconds,
    IReadOnlyList<ControllerDecisions> Controllers,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<AcceptedDecision>? Recent = null);

/// <summary>The decisions of one controller on one region.</summary>
/// <param name="ControllerId">The id its pushes carried.</param>
/// <param name="Decisions">Decisions accepted from it.</param>
/// <param name="FirstUtc">Its first accepted decision.</param>
/// <param name="LastUtc">Its last accepted decision.</param>
public sealed record ControllerDecisions(string ControllerId, long Decisions, DateTimeOffset FirstUtc, DateTimeOffset LastUtc);

/// <summary>One accepted decision.</summary>
/// <param name="AtUtc">When the RAN accepted it.</param>
/// <param name="ControllerId">Who pushed it.</param>
/// <param name="Slot">The slot it answered.</param>
/// <param name="Overlap">Whether it counted as an overlap.</param>
public sealed record AcceptedDecision(DateTimeOffset AtUtc, string ControllerId, long Slot, bool Overlap);
