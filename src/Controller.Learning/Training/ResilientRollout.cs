using Controller.Learning.Models;
using Controller.Radio.Allocation;
using static TorchSharp.torch;

namespace Controller.Learning.Training;

/// <summary>Which selection the training trajectory and the power objective follow.</summary>
public enum ResilientFollow
{
    /// <summary>The sampled selection (paper 003's training; the default).</summary>
    Sampled,

    /// <summary>The execution selection (largest pi); REINFORCE scores a sampled selection at the same state.</summary>
    Greedy,
}

/// <summary>How a rollout runs: execution only, or learning with REINFORCE and the model-based power gradient.</summary>
public sealed record RolloutSettings
{
    /// <summary>Without learning: sample the selection from pi (true) or take the largest pi (false).</summary>
    public bool Sample { get; init; }

    /// <summary>The stream of uniform draws for Gumbel-max sampling (null: torch's global generator).</summary>
    public Generator? Generator { get; init; }

    /// <summary>Learning: lambda per configuration and user [B, n] float32 (the pf utility adds its marginal utility per slot). Null: execute only.</summary>
    public Tensor? Weights { get; init; }

    /// <summary>The REINFORCE baseline per configuration [B] float32, NaN = unset; updated in place.</summary>
    public Tensor? Baseline { get; init; }

    /// <summary>Decay d of the moving-average baseline.</summary>
    public double Decay { get; init; } = 0.9;

    /// <summary>Add the alpha-fair marginal utility <c>max(fbar, floor)^-alpha</c> to the weights every slot.</summary>
    public bool PfWeights { get; init; }

    /// <summary>The trajectory followed when learning.</summary>
    public ResilientFollow Follow { get; init; } = ResilientFollow.Greedy;

    /// <summary>Floor of fbar in the pf marginal utility.</summary>
    public double PfFloor { get; init; } = 0.01;

    /// <summary>alpha of the alpha-fair utility.</summary>
    public double Fairness { get; init; } = 1.0;

    /// <summary>Configurations the objective is normalized by (null: this batch's).</summary>
    public int? Total { get; init; }

    /// <summary>Sees each slot's uniform draws [B, n] (slot index, draws), for replaying them elsewhere.</summary>
    public Action<int, Tensor>? ObserveDraws { get; init; }
}

/// <summary>A rollout's followed trajectory.</summary>
/// <param name="Rates">[B, T, n] float32 per-slot rates.</param>
/// <param name="Power">[B, T, m] float32 per-slot AP powers.</param>
/// <param name="Advantage">Mean over slots of the mean |advantage| (0 without learning).</param>
public sealed record RolloutResult(Tensor Rates, Tensor Power, double Advantage) : IDisposable
{
    /// <inheritdoc />
    public void Dispose()
    {
        Rates.Dispose();
        Power.Dispose();
    }
}

/// <summary>
/// The slot-by-slot run of train_resilient.py's <c>rollout</c> with the controller's rate formula in batched, differentiable
/// form (data.py's <c>rates_torch</c>, <c>served_mask_from</c>; models.py's <c>select_users</c>), in float32 like the
/// PyTorch trainer.
/// </summary>
public static class ResilientRollout
{
    /// <summary>The floor of fbar in the node feature (ProportionalFairSelector's).</summary>
    public const double AverageFloor = 1e-9;

    /// <summary>The PF averaging weight beta.</summary>
    public const double Beta = ProportionalFairSelector.DefaultBeta;

    /// <summary>
    /// Rates [B, n] with gains already divided by the noise: snrGains [B, n, m], cells [B, n, m] one-hot, servedMask [B, n]
    /// (1 for served users), power [B, m]. The interference sum skips the serving AP instead of subtracting it, which
    /// avoids cancellation in float32 when the signal dominates.
    /// </summary>
    public static Tensor Rates(Tensor snrGains, Tensor cells, Tensor servedMask, Tensor power)
    {
        ArgumentNullException.ThrowIfNull(snrGains);
        ArgumentNullException.ThrowIfNull(cells);
        ArgumentNullException.ThrowIfNull(servedMask);
        ArgumentNullException.ThrowIfNull(power);
        using var scope = NewDisposeScope();
        var received = snrGains * power.unsqueeze(1);
        var signal = (received * cells).sum(-1);
        var interference = (received * Scalars.One.Minus(cells)).sum(-1);
        return (servedMask * (signal / interference.Plus(Scalars.One)).Plus(Scalars.One).log2()).MoveToOuterDisposeScope();
    }

    /// <summary>[B, m] served user per cell (or -1) -> [B, n] float32 0/1 mask.</summary>
    public static Tensor ServedMask(Tensor served, int users)
    {
        ArgumentNullException.ThrowIfNull(served);
        using var scope = NewDisposeScope();
        var mask = zeros(served.shape[0], users + 1, dtype: ScalarType.Float32);
        var index = where(served.ge(Scalars.OfInteger(0)), served, full_like(served, Scalars.OfInteger(users)));
        mask.scatter_(1, index, ones(index.shape, dtype: ScalarType.Float32));
        return mask.narrow(1, 0, users).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// One user per cell [B, m] (-1 for cells without an active user): with <paramref name="uniform"/> [B, n] sampled from
    /// pi by Gumbel-max (<c>log pi - log(-log u)</c>), without it the largest pi; ties go to the lowest index.
    /// </summary>
    public static Tensor SelectUsers(Tensor logPi, Tensor cells, Tensor? uniform)
    {
        ArgumentNullException.ThrowIfNull(logPi);
        ArgumentNullException.ThrowIfNull(cells);
        using var scope = NewDisposeScope();
        var scores = uniform is null ? logPi : logPi - (-uniform.clamp_min(Scalars.Of(1e-12)).log()).log();
        var perCell = where(cells.to(ScalarType.Bool), scores.unsqueeze(-1), full_like(cells, Scalars.Of(double.NegativeInfinity)));
        var best = perCell.argmax(1);
        var (maximum, _) = perCell.max(1);
        var valid = maximum.isfinite();
        return where(valid, best, full_like(best, Scalars.OfInteger(-1))).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Runs the scored slots of <paramref name="batch"/>. Without <see cref="RolloutSettings.Weights"/> (or without
    /// gradients) it only executes; with them it also learns, backpropagating each slot's objective at once:
    /// REINFORCE on the reward <c>R_t = sum_j w_j f_j(t)</c> minus the moving-average baseline times <c>log pi(sampled)</c>,
    /// and <c>sum_j w_j f_j(t)</c> through the rate formula for the power. The objective is normalized by
    /// <see cref="RolloutSettings.Total"/> configurations times the slots.
    /// </summary>
    public static RolloutResult Run(ResilientGnnNet model, ResilientBatch batch, double maxPower, RolloutSettings settings)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(settings);
        var b = batch.SnrGains.shape[0];
        var slots = (int)batch.SnrGains.shape[1];
        var n = (int)batch.SnrGains.shape[2];
        var m = batch.SnrGains.shape[3];
        var learn = settings.Weights is not null && is_grad_enabled();
        var allRates = zeros(b, slots, n);
        var allPower = zeros(b, slots, m);
        var advantages = new List<double>();
        using var pmax = tensor((float)maxPower);
        using var average = batch.Fbar0.clone();
        var normalizer = (double)((settings.Total ?? b) * slots);
        for (var t = 0; t < slots; t++)
        {
            using var scope = NewDisposeScope();
            var gains = batch.SnrGains.select(1, t);
            var active = batch.Active.select(1, t);
            var features = (batch.Fhat.select(1, t) / average.clamp_min(Scalars.Of(AverageFloor))).log1p() * active;
            var (power, logPi) = model.Forward(features, batch.EdgeWeights.select(1, t), batch.Cells, active, pmax);
            Tensor rates;
            if (!learn)
            {
                var draws = settings.Sample ? Draw(logPi, settings, t) : null;
                rates = Rates(gains, batch.Cells, ServedMask(SelectUsers(logPi.detach(), batch.Cells, draws), n), power);
            }
            else
            {
                var w = settings.PfWeights ? settings.Weights!.Plus(average.clamp_min(Scalars.Of(settings.PfFloor)).pow(Scalars.Of(-settings.Fairness))) : settings.Weights!;
                var sampled = ServedMask(SelectUsers(logPi.detach(), batch.Cells, Draw(logPi, settings, t)), n);
                var sampledRates = Rates(gains, batch.Cells, sampled, power);
                Tensor reward;
                if (settings.Follow == ResilientFollow.Greedy)
                {
                    rates = Rates(gains, batch.Cells, ServedMask(SelectUsers(logPi.detach(), batch.Cells, null), n), power);
                    reward = (w * sampledRates.detach()).sum(-1);
                }
                else
                {
                    rates = sampledRates;
                    reward = (w * rates.detach()).sum(-1);
                }

                Tensor advantage;
                if (settings.Baseline is { } baseline)
                {
                    baseline.copy_(where(baseline.isnan(), reward, baseline));
                    advantage = reward - baseline;
                    baseline.mul_(Scalars.Of(settings.Decay)).PlusInPlace(Scalars.Of(1 - settings.Decay) * reward);
                }
                else
                {
                    advantage = reward;
                }

                var logProb = where(sampled.gt(Scalars.Zero), logPi, zeros_like(logPi)).sum(-1);
                var objective = (w * rates).sum(-1).Plus(advantage * logProb).sum() / Scalars.Of(normalizer);
                (-objective).backward();
                advantages.Add(advantage.abs().mean().item<float>());
            }

            rates = rates.detach();
            average.copy_((Scalars.Of(1 - Beta) * average).Plus(Scalars.Of(Beta) * rates));
            allRates.select(1, t).copy_(rates);
            allPower.select(1, t).copy_(power.detach());
        }

        return new RolloutResult(allRates, allPower, advantages.Count > 0 ? advantages.Average() : 0.0);
    }

    private static Tensor Draw(Tensor logPi, RolloutSettings settings, int slot)
    {
        var draws = rand(logPi.shape, dtype: logPi.dtype, generator: settings.Generator);
        settings.ObserveDraws?.Invoke(slot, draws);
        return draws;
    }
}
