using Controller.Policies.ArtifactFormat;
using Controller.Policies.Models;
using Controller.Radio;
using Controller.Radio.Allocation;
using Controller.Radio.Policies;
using Controller.Radio.Scenarios;

namespace Controller.Policies;

/// <summary>
/// <c>dnn:&lt;artifact&gt;</c>: one of paper 001's neural allocators (architecture <c>alcor-dnn</c>) as a policy for
/// one-to-one links; inside ALCOR (<c>alcor(dnn:NAME)</c>) it is the unconstrained allocator among the users switched on.
/// A user is "on" when its link is active and, under ALCOR, eligible. Centralized, fixed and dynamic networks see the
/// whole channel with the rows and columns of users that are off set to 0 (the paper's H_xi; a configuration with fewer
/// links than the network's N is padded with users that are off) and give every user that is on
/// <c>Pmax sigmoid(.)</c>; the dynamic one also reads the configuration's demands. The distributed network runs once per
/// user that is on, on that user's 41 local measurements (<see cref="AlcorDnnLocalState"/>, fed back every slot through
/// <see cref="Learn"/>). Users that are off transmit nothing. The managed double-precision model runs the network.
/// </summary>
public sealed class AlcorDnnPolicy : IMaskablePolicy
{
    private readonly AlcorDnnModel _model;
    private readonly AlcorDnnHyperparameters _hyperparameters;
    private double[] _input = [];
    private double[] _output = [];
    private double[] _gains = [];
    private bool[] _on = [];
    private double[] _lastPower = [];
    private AlcorDnnLocalState? _local;

    /// <summary>Creates the policy over shared <paramref name="weights"/>.</summary>
    public AlcorDnnPolicy(AlcorDnnWeights weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        _model = new AlcorDnnModel(weights);
        _hyperparameters = weights.Hyperparameters;
    }

    /// <summary>The network's kind.</summary>
    public AlcorDnnKind Kind => _hyperparameters.Kind;

    /// <inheritdoc />
    public void Decide(NetworkConfiguration configuration, ProportionalFairSelector fairness, SlotDecision decision)
        => Decide(configuration, fairness, decision, []);

    /// <inheritdoc />
    public void Decide(NetworkConfiguration configuration, ProportionalFairSelector fairness, SlotDecision decision, ReadOnlySpan<bool> eligible)
    {
        var rows = Prepare(configuration, eligible);
        _model.Run(rows, _input, _output);
        Complete(configuration, decision, _output);
    }

    /// <summary>
    /// The first half of <see cref="Decide(NetworkConfiguration, ProportionalFairSelector, SlotDecision, ReadOnlySpan{bool})"/>:
    /// who is on and the network's input for the slot, <see cref="Input"/> (the number of rows returned, each as wide
    /// as the network's first layer). The network runs elsewhere (the inference silo); <see cref="Complete"/> takes its output.
    /// </summary>
    public int Prepare(NetworkConfiguration configuration, ReadOnlySpan<bool> eligible)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var links = configuration.Transmitters;
        if (_on.Length != links)
        {
            Setup(configuration);
        }

        var active = configuration.Active;
        for (var i = 0; i < links; i++)
        {
            _on[i] = active[i] && (eligible.Length == 0 || eligible[i]);
        }

        configuration.Gains.Values.CopyTo(_gains);
        return Kind == AlcorDnnKind.Distributed ? PrepareDistributed(configuration) : PrepareCentralized(configuration);
    }

    /// <summary>The input <see cref="Prepare"/> made: rows x the first layer's width.</summary>
    public ReadOnlySpan<double> Input(int rows) => _input.AsSpan(0, rows * _hyperparameters.Widths[0]);

    /// <summary>The output length of <paramref name="rows"/> rows: rows x the last layer's width.</summary>
    public int OutputLength(int rows) => rows * _hyperparameters.Widths[^1];

    /// <summary>The second half of <c>Decide</c>: the network's <paramref name="output"/> (sigmoid, in [0, 1]) as powers.</summary>
    public void Complete(NetworkConfiguration configuration, SlotDecision decision, ReadOnlySpan<double> output)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(decision);
        var links = configuration.Transmitters;
        var pMax = configuration.Constants.MaxPower;
        Array.Fill(decision.ServedReceiver, -1);
        Array.Clear(decision.Power);
        if (Kind == AlcorDnnKind.Distributed)
        {
            var rows = 0;
            for (var i = 0; i < links; i++)
            {
                if (_on[i])
                {
                    decision.Power[i] = pMax * output[rows++];
                }
            }
        }
        else
        {
            for (var i = 0; i < links; i++)
            {
                decision.Power[i] = _on[i] ? pMax * output[i] : 0;
            }
        }

        for (var i = 0; i < links; i++)
        {
            decision.ServedReceiver[i] = decision.Power[i] > 0 ? i : -1;
        }

        decision.Power.AsSpan(0, links).CopyTo(_lastPower);
    }

    /// <inheritdoc />
    public void Learn(NetworkConfiguration configuration, ReadOnlySpan<double> receiverRates)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        _local?.Record(_gains, _lastPower, receiverRates);
    }

    private void Setup(NetworkConfiguration configuration)
    {
        var links = configuration.Transmitters;
        AggGnnDecider.RequireOneToOne(configuration, "dnn: policies", "gaussian-ic");
        var n = _hyperparameters.Users;
        if (Kind != AlcorDnnKind.Distributed && links > n)
        {
            throw new RadioInputException($"This {_hyperparameters.KindName} network serves at most {n} users; the configuration has {links} links.");
        }

        _on = new bool[links];
        _gains = new double[links * links];
        _lastPower = new double[links];
        if (Kind == AlcorDnnKind.Distributed)
        {
            _local = new AlcorDnnLocalState(links, _model.Weights.Inputs.Neighbours, _model.Weights.Inputs.Eta);
            _input = new double[links * AlcorDnnLocalState.Width];
            _output = new double[links];
        }
        else
        {
            _local = null;
            _input = new double[_hyperparameters.Widths[0]];
            _output = new double[n];
        }
    }

    private int PrepareCentralized(NetworkConfiguration configuration)
    {
        var links = configuration.Transmitters;
        var n = _hyperparameters.Users;
        Array.Clear(_input);
        for (var i = 0; i < links; i++)
        {
            if (!_on[i])
            {
                continue;
            }

            for (var j = 0; j < links; j++)
            {
                if (_on[j])
                {
                    _input[(i * n) + j] = _gains[(i * links) + j];
                }
            }
        }

        if (Kind == AlcorDnnKind.Dynamic)
        {
            var demands = configuration.Demands;
            for (var i = 0; i < links; i++)
            {
                _input[(n * n) + i] = demands[i];
            }
        }

        return 1;
    }

    private int PrepareDistributed(NetworkConfiguration configuration)
    {
        var links = configuration.Transmitters;
        var noise = configuration.Constants.Noise;
        var pMax = configuration.Constants.MaxPower;
        var rows = 0;
        for (var i = 0; i < links; i++)
        {
            if (_on[i])
            {
                _local!.Features(_gains, noise, pMax, i, _input.AsSpan(rows * AlcorDnnLocalState.Width, AlcorDnnLocalState.Width));
                rows++;
            }
        }

        return rows;
    }
}
