using Controller.Grains.Inference;
using Controller.Learning.Models;
using Controller.Policies.ArtifactFormat;
using Controller.Policies.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using static TorchSharp.torch;

namespace Controller.Learning.Inference;

/// <summary>How the <c>torchsharp</c> inference backend uses libtorch.</summary>
public sealed class TorchSharpInferenceOptions
{
    /// <summary>Most intra-op threads.</summary>
    public const int MaxThreads = 256;

    /// <summary>
    /// libtorch's intra-op threads (<c>torch.set_num_threads</c>, process-wide). 1 by default: on the hot path the
    /// silo's thread pool already keeps the cores busy with other grains, and a forward pass of a few regions'
    /// graphs is too small for a parallel split to pay for its hand-offs.
    /// </summary>
    public int Threads { get; init; } = 1;

    /// <summary>
    /// Largest padded batch of one forward pass, in elements of its B x n x n weight tensor (n the largest graph of
    /// the pass): questions drained together go through one pass unless padding them to one size would exceed this
    /// (one large graph among many small ones), in which case they are split into as few passes as fit. 2^26 by default
    /// (256 MB of float32; 40,000 graphs of 40 users or 400 of 400).
    /// </summary>
    public long MaxPaddedElements { get; init; } = 1L << 26;

    /// <summary>
    /// Load libtorch and run one small forward pass while the silo starts, so that the first loops do not wait for it.
    /// Set by the host when this silo serves the torchsharp backend: in <c>controller demo --inference silo
    /// --inference-backend torchsharp</c> the lazy load (libtorch, then the first pass's code paths) made the first second's
    /// 41 loops overrun their 100 ms period, against 4 with the managed backend.
    /// </summary>
    public bool LoadAtStart { get; init; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first bad value.</summary>
    public void Validate()
    {
        if (Threads is < 1 or > MaxThreads)
        {
            throw new ArgumentOutOfRangeException(nameof(Threads), Threads, $"libtorch's threads must be in [1, {MaxThreads}].");
        }

        if (MaxPaddedElements < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxPaddedElements), MaxPaddedElements, "The padded batch budget must be positive.");
        }
    }
}

/// <summary>
/// The inference silo's <c>torchsharp</c> backend: the artifact's <see cref="ResilientGnnNet"/> on libtorch, on CUDA when
/// <c>torch.cuda.is_available()</c> and on the CPU otherwise (logged once). Every question drained together goes
/// through one forward pass of <see cref="DenseGnnBatch"/> (graphs of different sizes padded to the largest); every
/// question is checked in managed code first (<see cref="GnnQuestions"/>, then <see cref="DenseGnnBatch.Add"/>), so a
/// malformed one is refused with its reason and never reaches libtorch. libtorch is loaded on the first
/// <see cref="Load"/>, not when the backend is registered: a silo that serves the managed backend never loads it.
/// </summary>
public sealed partial class TorchSharpGnnBackend : IGnnBackend
{
    private readonly TorchSharpInferenceOptions _options;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private Device? _device;

    /// <summary>Creates the backend; throws <see cref="ArgumentOutOfRangeException"/> for bad options.</summary>
    public TorchSharpGnnBackend(TorchSharpInferenceOptions options, ILogger<TorchSharpGnnBackend>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <inheritdoc/>
    public string Name => InferenceSilo.TorchSharpBackend;

    /// <summary>The device networks run on ("cpu" or "cuda"); loads libtorch.</summary>
    public string DeviceName => DeviceLabel(Initialize());

    /// <inheritdoc/>
    public IGnnNetwork Load(string policy, PolicyArtifact artifact)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        var device = Initialize();
        var net = TorchArtifacts.LoadResilient(artifact);
        net.eval();
        if (device.type != DeviceType.CPU)
        {
            net.to(device);
        }

        return new Network(policy, net, device, _options.MaxPaddedElements);
    }

    /// <summary>Loads libtorch and runs a two-user graph through a network of the default shape once (the first call's one-off costs).</summary>
    public void WarmUp()
    {
        var device = Initialize();
        using var net = new ResilientGnnNet(new ResilientGnnHyperparameters(2, 64, 0.01, 10));
        net.eval();
        if (device.type != DeviceType.CPU)
        {
            net.to(device);
        }

        var gains = new Controller.Radio.Channels.GainMatrix(2, 1);
        gains[0, 0] = 1e-6;
        gains[1, 0] = 2e-6;
        var graph = new UserGraph();
        graph.Build(gains, [0, 0], 1e-9, 1);
        var batch = new DenseGnnBatch();
        batch.Add(graph, [0.5, 0.25], [true, true], 1);
        _ = batch.Run(net, device);
    }

    private Device Initialize()
    {
        lock (_gate)
        {
            if (_device is not null)
            {
                return _device;
            }

            try
            {
                torch.set_num_threads(_options.Threads);
                _device = torch.cuda.is_available() ? CUDA : CPU;
            }
            catch (Exception exception) when (exception is DllNotFoundException or NotSupportedException or TypeInitializationException)
            {
                throw new InvalidOperationException($"The torchsharp inference backend could not load libtorch: {exception.Message}", exception);
            }

            var label = DeviceLabel(_device);
            var why = _device.type == DeviceType.CUDA ? "CUDA available" : "CUDA not available";
            LogDevice(_logger, label, why, _options.Threads);
            return _device;
        }
    }

    private static string DeviceLabel(Device device) => device.type == DeviceType.CUDA ? "cuda" : "cpu";

    [LoggerMessage(Level = LogLevel.Information, Message = "torchsharp inference backend: device {Device} ({Why}), {Threads} libtorch threads")]
    private static partial void LogDevice(ILogger logger, string device, string why, int threads);

    private sealed class Network(string policy, ResilientGnnNet net, Device device, long budget) : IGnnNetwork
    {
        private readonly DenseGnnBatch _batch = new();
        private readonly UserGraph _graph = new();
        private readonly List<int> _pending = [];
        private Controller.Radio.Channels.GainMatrix? _gains;

        public string Device => DeviceLabel(device);

        public IReadOnlyList<GnnOutcome> Run(IReadOnlyList<GnnQuestion> questions)
        {
            ArgumentNullException.ThrowIfNull(questions);
            var outcomes = new GnnOutcome[questions.Count];
            _batch.Clear();
            _pending.Clear();
            long largest = 0;
            for (var i = 0; i < questions.Count; i++)
            {
                var q = questions[i];
                if (GnnQuestions.TryBuild(policy, q, _graph, ref _gains) is { } rejection)
                {
                    outcomes[i] = GnnOutcome.Rejected(rejection);
                    continue;
                }

                var wider = Math.Max(largest, q.Users);
                if (_pending.Count > 0 && (_pending.Count + 1) * wider * wider > budget)
                {
                    Flush(outcomes);
                    wider = q.Users;
                }

                try
                {
                    _batch.Add(_graph, q.Features, q.Active, q.MaxPower);
                    _pending.Add(i);
                    largest = wider;
                }
                catch (ArgumentException exception)
                {
                    outcomes[i] = GnnOutcome.Rejected(GnnQuestions.Rejection(policy, $"was refused: {exception.Message}"));
                }
            }

            Flush(outcomes);
            return outcomes;
        }

        public void Dispose() => net.Dispose();

        private void Flush(GnnOutcome[] outcomes)
        {
            if (_pending.Count == 0)
            {
                return;
            }

            var answers = _batch.Run(net, device);
            for (var g = 0; g < _pending.Count; g++)
            {
                var (power, selection) = answers[g];
                outcomes[_pending[g]] = GnnOutcome.Answered(new GnnAnswer(power, selection));
            }

            _batch.Clear();
            _pending.Clear();
        }
    }
}

/// <summary>Registers the <c>torchsharp</c> inference backend in a silo's container.</summary>
public static class TorchSharpInferenceHosting
{
    /// <summary>
    /// Adds <see cref="TorchSharpGnnBackend"/> as an <see cref="IGnnBackend"/> (with <paramref name="options"/>, default
    /// 1 thread), so that inference grains configured with backend <c>torchsharp</c> run on it. libtorch loads only when
    /// an inference grain first uses it.
    /// </summary>
    public static IServiceCollection AddTorchSharpInference(this IServiceCollection services, TorchSharpInferenceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        options ??= new TorchSharpInferenceOptions();
        options.Validate();
        services.RemoveAll<TorchSharpInferenceOptions>();
        services.AddSingleton(options);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IGnnBackend, TorchSharpGnnBackend>());
        if (options.LoadAtStart)
        {
            services.AddHostedService<TorchSharpWarmUp>();
        }

        return services;
    }
}

/// <summary>Warms the torchsharp backend while the host starts (<see cref="TorchSharpInferenceOptions.LoadAtStart"/>).</summary>
internal sealed class TorchSharpWarmUp(IEnumerable<IGnnBackend> backends) : Microsoft.Extensions.Hosting.IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var backend in backends.OfType<TorchSharpGnnBackend>())
        {
            backend.WarmUp();
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
