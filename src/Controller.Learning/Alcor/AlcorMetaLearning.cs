using Controller.Learning.Models;
using Controller.Learning.Training;
using Controller.Radio.Scenarios;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Controller.Learning.Alcor;

/// <summary>A meta-trained Fig. 1 network: theta (functional order, detached) and the learned inner step size psi.</summary>
/// <param name="Theta">The weights (weight, bias per layer).</param>
/// <param name="Psi">psi of eq. (11) after meta-training.</param>
/// <param name="MetaRewards">The mean outer reward (10) of each meta-step (over its tasks).</param>
public sealed record AlcorMetaModel(Tensor[] Theta, double Psi, IReadOnlyList<double> MetaRewards);

/// <summary>
/// Paper 001's Fig. 1 baselines on the {25, 25, 25, 5} network (<see cref="AlcorMlp"/>): meta-learning by eq. (11)
/// (MAML, its ref. [31]: theta and psi such that ONE step theta+ = theta + psi grad reward(theta, u) maximizes
/// E_u reward(theta+, u), u uniform in [0, 2.5]^N, second-order gradients through the step), and the online adaptation
/// both it and vanilla learning (a randomly initialized theta) run for new demands: one gradient-ascent step on reward
/// (10) per batch of slots with the diminishing step psi*/(1 + k), the expectations in (10) exponential averages of the
/// batches' mean rates.
/// </summary>
public static class AlcorMetaLearning
{
    /// <summary>Reward (10) of <paramref name="means"/> [N], the users' expected rates: sum_i m_i - L sum_i max(0, u_i - m_i).</summary>
    public static Tensor Reward(Tensor means, Tensor demands, double penalty)
    {
        ArgumentNullException.ThrowIfNull(means);
        ArgumentNullException.ThrowIfNull(demands);
        return means.sum() - (Scalars.Of(penalty) * nn.functional.relu(demands - means).sum());
    }

    /// <summary>Rates [B, N] of the MLP with <paramref name="weights"/> on gains [B, N, N] (input the flattened gains, powers the outputs times Pmax).</summary>
    public static Tensor Rates(IReadOnlyList<Tensor> weights, Tensor gains, double noise, double maxPower)
    {
        ArgumentNullException.ThrowIfNull(gains);
        var batch = gains.shape[0];
        var n = gains.shape[1];
        var power = AlcorMlp.Forward(weights, gains.reshape(batch, n * n)) * Scalars.Of(maxPower);
        return AlcorDnnNet.Rates(gains, power, noise);
    }

    /// <summary>
    /// theta+ = theta + psi grad_theta reward(theta, u) on the batch <paramref name="gains"/>; with
    /// <paramref name="createGraph"/> the result stays differentiable in theta and psi (the gradient's own graph is kept).
    /// </summary>
    public static Tensor[] InnerStep(IReadOnlyList<Tensor> theta, Tensor psi, Tensor gains, Tensor demands, double noise, double maxPower, double penalty, bool createGraph)
    {
        ArgumentNullException.ThrowIfNull(theta);
        ArgumentNullException.ThrowIfNull(psi);
        var reward = Reward(Rates(theta, gains, noise, maxPower).mean([0L]), demands, penalty);
        var gradients = autograd.grad([reward], [.. theta], retain_graph: createGraph, create_graph: createGraph);
        var next = new Tensor[theta.Count];
        for (var l = 0; l < theta.Count; l++)
        {
            next[l] = theta[l].Plus(psi * gradients[l]);
        }

        return next;
    }

    /// <summary>
    /// Meta-trains theta and psi by eq. (11) with Adam (<see cref="ScalarSafeAdam"/>, one optimizer per step size): each
    /// meta-step draws <see cref="AlcorMetaOptions.Tasks"/> demand vectors, takes the inner step on one batch of channels
    /// and scores theta+ on a fresh batch; psi is kept above 1e-6.
    /// </summary>
    public static AlcorMetaModel MetaTrain(AlcorMetaOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var module = AlcorMlp.Module(AlcorMlp.Widths(options.Users), options.Seed);
        var theta = AlcorMlp.Weights(module);
        var psi = new Parameter(tensor((float)options.InitialPsi));
        using var thetaOptimizer = new ScalarSafeAdam(theta, options.ThetaLearningRate);
        using var psiOptimizer = new ScalarSafeAdam([psi], options.PsiLearningRate);
        using var generator = new Generator((ulong)options.Seed);
        var stream = new GainSource(options.Users, options.SnrDb, options.TrainSeed);
        var history = new List<double>();
        for (var step = 0; step < options.MetaSteps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var total = zeros(1);
            for (var t = 0; t < options.Tasks; t++)
            {
                var u = rand([options.Users], generator: generator) * Scalars.Of(options.DemandMax);
                var inner = InnerStep(theta, psi, stream.Next(options.Batch), u, stream.Noise, stream.MaxPower, options.Penalty, createGraph: true);
                var outer = Reward(Rates(inner, stream.Next(options.Batch), stream.Noise, stream.MaxPower).mean([0L]), u, options.Penalty);
                total = total.Plus(outer);
            }

            var mean = total / Scalars.Of(options.Tasks);
            thetaOptimizer.ZeroGrad();
            psiOptimizer.ZeroGrad();
            (-mean).sum().backward();
            thetaOptimizer.Step();
            psiOptimizer.Step();
            using (no_grad())
            {
                psi.clamp_(Scalars.Of(1e-6));
            }

            history.Add(mean.item<float>());
        }

        Tensor[] weights = [.. theta.Select(p => p.detach().clone().DetachFromDisposeScope())];
        return new AlcorMetaModel(weights, psi.item<float>(), history);
    }

    /// <summary>A randomly initialized theta (vanilla learning's start), PyTorch's default initialization seeded with <paramref name="seed"/>.</summary>
    public static Tensor[] RandomTheta(int users, long seed)
    {
        var module = AlcorMlp.Module(AlcorMlp.Widths(users), seed);
        return [.. AlcorMlp.Weights(module).Select(p => p.detach().clone().DetachFromDisposeScope())];
    }

    /// <summary>
    /// Online adaptation from <paramref name="theta"/> to <paramref name="demands"/> on the channels of
    /// <paramref name="stream"/>: for k = 0, 1, ... each batch of <see cref="AlcorMetaOptions.AdaptBatch"/> slots is served
    /// by the current weights (those slots' rates are recorded), the expected rates in (10) are updated as
    /// m = decay m + (1 - decay) batch mean (m the first batch's mean at k = 0, earlier values held fixed), and theta
    /// takes one gradient-ascent step psiStar / (1 + k) on reward (10). Returns each slot's rates [slots][N].
    /// </summary>
    public static double[][] Adapt(IReadOnlyList<Tensor> theta, double psiStar, IReadOnlyList<double> demands, GainSource stream, int updates, AlcorMetaOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(theta);
        ArgumentNullException.ThrowIfNull(demands);
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var weights = theta.Select(w => w.detach().clone().requires_grad_(true).DetachFromDisposeScope()).ToArray();
        using var u = tensor(demands.Select(d => (float)d).ToArray());
        var slots = new List<double[]>();
        Tensor? average = null;
        for (var k = 0; k < updates; k++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var rates = Rates(weights, stream.Next(options.AdaptBatch), stream.Noise, stream.MaxPower);
            var values = rates.detach().to(ScalarType.Float64).contiguous().data<double>().ToArray();
            for (var s = 0; s < options.AdaptBatch; s++)
            {
                slots.Add(values.AsSpan(s * options.Users, options.Users).ToArray());
            }

            var batchMean = rates.mean([0L]);
            var means = average is null ? batchMean : (average * Scalars.Of(options.Decay)).Plus(batchMean * Scalars.Of(1 - options.Decay));
            var reward = Reward(means, u, options.Penalty);
            var gradients = autograd.grad([reward], weights);
            using (no_grad())
            {
                for (var l = 0; l < weights.Length; l++)
                {
                    weights[l].PlusInPlace(gradients[l] * Scalars.Of(psiStar / (1 + k)));
                }
            }

            average?.Dispose();
            average = means.detach().clone().DetachFromDisposeScope();
        }

        average?.Dispose();
        foreach (var w in weights)
        {
            w.Dispose();
        }

        return [.. slots];
    }

    /// <summary>Consecutive slots of one gaussian-ic configuration as gain tensors [count, N, N] (<c>[receiver, transmitter]</c>).</summary>
    public sealed class GainSource
    {
        private readonly int _users;
        private readonly NetworkConfiguration _configuration;

        /// <summary>Configuration 0 of <paramref name="seed"/> with <paramref name="users"/> links at <paramref name="snrDb"/>.</summary>
        public GainSource(int users, double snrDb, ulong seed)
        {
            _users = users;
            var scenario = ScenarioCatalog.Get(AlcorDnnOptions.ScenarioName);
            var settings = scenario.Resolve(AlcorDnnTrainer.ScenarioSettings(new AlcorDnnOptions { Users = users, SnrDb = snrDb }));
            _configuration = scenario.CreateConfiguration(settings, seed, 0);
            Noise = _configuration.Constants.Noise;
            MaxPower = _configuration.Constants.MaxPower;
        }

        /// <summary>Noise power.</summary>
        public double Noise { get; }

        /// <summary>Pmax.</summary>
        public double MaxPower { get; }

        /// <summary>The next <paramref name="count"/> slots' gains.</summary>
        public Tensor Next(int count)
        {
            var n2 = _users * _users;
            var values = new float[count * n2];
            for (var s = 0; s < count; s++)
            {
                _configuration.Advance();
                var g = _configuration.Gains.Values;
                for (var k = 0; k < n2; k++)
                {
                    values[(s * n2) + k] = (float)g[k];
                }
            }

            return tensor(values, [count, _users, _users]);
        }
    }
}
