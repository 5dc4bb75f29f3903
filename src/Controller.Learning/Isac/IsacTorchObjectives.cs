using Controller.Learning.Models;
using Controller.Radio.Isac;
using TorchSharp;
using static TorchSharp.torch;

namespace Controller.Learning.Isac;

/// <summary>
/// Paper 002's two objectives in torch (float64), batched over samples: the WSR of eqs. (4)-(7) at channels
/// h~ + Delta and the CRLB of eq. (10) from the Fisher information derived in Controller.Radio/Isac, for B designs at
/// once (a sample is one ISAC instance with one preference vector; instances may repeat). They compute what
/// <see cref="IsacCommunication.WeightedSumRate"/> and <see cref="IsacSensing.Crlb"/> compute (checked to 1e-6
/// relative in the tests) and are differentiable, so the BOBLRBF-DNN trains end to end.
/// </summary>
/// <remarks>
/// Coordinates are the solver's scaled ones: the design x = gamma / sqrt(P_max) as [B, L C N 2] in
/// <see cref="IsacNetwork"/>'s layout (every base station has the same C = K + N columns), the errors e = Delta / eps
/// as [B, L U N 2] (each block in the unit ball). Every instance of a batch has the same L, N, K and J.
/// </remarks>
public sealed class IsacTorchObjectives : IDisposable
{
    private static readonly double InverseLn2 = 1 / Math.Log(2);
    private readonly List<Tensor> _owned = [];

    /// <summary>Builds the batch's constant tensors on <paramref name="device"/>: sample b is <paramref name="networks"/>[b] at relative error bound <paramref name="relativeError"/>.</summary>
    public IsacTorchObjectives(IReadOnlyList<IsacNetwork> networks, double relativeError, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(networks);
        if (networks.Count == 0)
        {
            throw new ArgumentException("a batch needs at least one ISAC instance", nameof(networks));
        }

        if (!(relativeError >= 0) || !double.IsFinite(relativeError))
        {
            throw new ArgumentOutOfRangeException(nameof(relativeError), relativeError, "The error bound must be finite and not negative.");
        }

        var first = networks[0];
        L = first.BaseStations;
        N = first.Antennas;
        K = first.UsersPerCell[0];
        U = first.Users;
        J = first.Targets;
        C = K + N;
        P = IsacSensing.Parameters(first);
        B = networks.Count;
        foreach (var network in networks)
        {
            if (network.BaseStations != L || network.Antennas != N || network.Targets != J || network.UsersPerCell.Any(k => k != K))
            {
                throw new ArgumentException("every instance of a batch needs the same base stations, antennas, targets and users per base station", nameof(networks));
            }
        }

        Device = device ?? CPU;
        Robust = relativeError > 0;
        var channelsRe = new double[B * L * U * N];
        var channelsIm = new double[B * L * U * N];
        var radii = new double[B * L * U];
        var weights = new double[B * U];
        var noise = new double[B];
        var kappa = new double[B];
        var beamScale = new double[B];
        var blockRadius = new double[B * L];
        var crlbReference = new double[B];
        var pathSize = L * J * L * 4 * N * N;
        var derivativeRe = new double[B * pathSize];
        var derivativeIm = new double[B * pathSize];
        var cache = new Dictionary<IsacNetwork, int>(ReferenceEqualityComparer.Instance);
        for (var b = 0; b < B; b++)
        {
            var network = networks[b];
            var scale = Math.Sqrt(network.PowerBudgets.Max());
            beamScale[b] = scale;
            noise[b] = network.Noise;
            kappa[b] = 2.0 * network.Samples / network.SensingNoise;
            for (var u = 0; u < U; u++)
            {
                weights[(b * U) + u] = network.Weights[u];
            }

            var instanceRadii = IsacCommunication.ErrorRadii(network, relativeError);
            for (var l = 0; l < L; l++)
            {
                blockRadius[(b * L) + l] = Math.Sqrt(network.PowerBudgets[l]) / scale;
                for (var u = 0; u < U; u++)
                {
                    radii[(((b * L) + l) * U) + u] = instanceRadii[(l * U) + u];
                    for (var n = 0; n < N; n++)
                    {
                        var h = network.ChannelEstimate(l, u, n);
                        var index = (((((b * L) + l) * U) + u) * N) + n;
                        channelsRe[index] = h.Real;
                        channelsIm[index] = h.Imaginary;
                    }
                }
            }

            if (cache.TryGetValue(network, out var earlier))
            {
                crlbReference[b] = crlbReference[earlier];
                Array.Copy(derivativeRe, earlier * pathSize, derivativeRe, b * pathSize, pathSize);
                Array.Copy(derivativeIm, earlier * pathSize, derivativeIm, b * pathSize, pathSize);
                continue;
            }

            cache[network] = b;
            crlbReference[b] = IsacSensing.Crlb(network, network.InitialBeams(sensingShare: 1));
            var offset = b * pathSize;
            for (var l = 0; l < L; l++)
            {
                for (var j = 0; j < J; j++)
                {
                    for (var m = 0; m < L; m++)
                    {
                        var (derivatives, _) = IsacSensing.PathDerivatives(network, l, j, m);
                        for (var a = 0; a < 4; a++)
                        {
                            for (var i = 0; i < N * N; i++)
                            {
                                derivativeRe[offset] = derivatives[a][i].Real;
                                derivativeIm[offset++] = derivatives[a][i].Imaginary;
                            }
                        }
                    }
                }
            }
        }

        // Which entry of xi each of a path's four derivatives belongs to (the layout of IsacSensing.PathDerivatives).
        var select = new double[L * J * 4 * P];
        for (var l = 0; l < L; l++)
        {
            for (var j = 0; j < J; j++)
            {
                int[] parameters = [2 * j, (2 * j) + 1, (2 * J) + (j * L) + l, (2 * J) + (J * L) + (j * L) + l];
                for (var a = 0; a < 4; a++)
                {
                    select[((((l * J) + j) * 4) + a) * P + parameters[a]] = 1;
                }
            }
        }

        var mask = new double[L * U * C];
        var sensing = new double[C];
        for (var u = 0; u < U; u++)
        {
            mask[(((first.Cell(u) * U) + u) * C) + first.BeamColumn(u)] = 1;
        }

        for (var c = K; c < C; c++)
        {
            sensing[c] = 1;
        }

        ChannelsRe = Tensor(channelsRe, B, L, U, N);
        ChannelsIm = Tensor(channelsIm, B, L, U, N);
        Radii = Tensor(radii, B, L, U);
        Weights = Tensor(weights, B, U);
        Noise = Tensor(noise, B, 1);
        Kappa = Tensor(kappa, B, 1, 1);
        BeamScale = Tensor(beamScale, B, 1);
        BlockRadius = Tensor(blockRadius, B, L);
        CrlbReference = Tensor(crlbReference, B);
        DerivativesRe = Tensor(derivativeRe, B, L, J, L, 4, N, N);
        DerivativesIm = Tensor(derivativeIm, B, L, J, L, 4, N, N);
        Select = Tensor(select, L, J, 4, P);
        SignalMask = Tensor(mask, 1, L, U, C);
        SensingColumn = Tensor(sensing, C);
    }

    /// <summary>Samples in the batch.</summary>
    public int B { get; }

    /// <summary>Base stations (also echo receivers).</summary>
    public int L { get; }

    /// <summary>Antennas per base station.</summary>
    public int N { get; }

    /// <summary>Users per base station.</summary>
    public int K { get; }

    /// <summary>Users in all.</summary>
    public int U { get; }

    /// <summary>Targets.</summary>
    public int J { get; }

    /// <summary>Transmit columns per base station (K user beams and N sensing columns).</summary>
    public int C { get; }

    /// <summary>Real parameters of xi (2J positions, 2JL reflection parts).</summary>
    public int P { get; }

    /// <summary>Length of a design x.</summary>
    public int DesignLength => L * C * N * 2;

    /// <summary>Length of an error vector e.</summary>
    public int ErrorLength => L * U * N * 2;

    /// <summary>True when the error bound is positive (the lower level matters).</summary>
    public bool Robust { get; }

    /// <summary>Where the tensors live.</summary>
    public Device Device { get; }

    /// <summary>Channel estimates h~, real parts [B, L, U, N].</summary>
    public Tensor ChannelsRe { get; }

    /// <summary>Channel estimates h~, imaginary parts [B, L, U, N].</summary>
    public Tensor ChannelsIm { get; }

    /// <summary>eps_{l,u} of every error ball [B, L, U].</summary>
    public Tensor Radii { get; }

    /// <summary>WSR weights alpha_u [B, U].</summary>
    public Tensor Weights { get; }

    /// <summary>User noise power sigma^2 [B, 1].</summary>
    public Tensor Noise { get; }

    /// <summary>2T / sigma_r^2 [B, 1, 1].</summary>
    public Tensor Kappa { get; }

    /// <summary>sqrt(P_max), gamma = x sqrt(P_max) [B, 1].</summary>
    public Tensor BeamScale { get; }

    /// <summary>sqrt(P_l / P_max), the radius of each base station's block of x [B, L].</summary>
    public Tensor BlockRadius { get; }

    /// <summary>CRLB of isotropic sensing at full power, f2's reference [B].</summary>
    public Tensor CrlbReference { get; }

    /// <summary>dG_{l,j,m} / d xi_a, real parts [B, L, J, L, 4, N, N].</summary>
    public Tensor DerivativesRe { get; }

    /// <summary>dG_{l,j,m} / d xi_a, imaginary parts [B, L, J, L, 4, N, N].</summary>
    public Tensor DerivativesIm { get; }

    /// <summary>One-hot map from a path's four derivatives to xi's entries [L, J, 4, P].</summary>
    public Tensor Select { get; }

    /// <summary>1 at (serving base station, user, its beam column) [1, L, U, C].</summary>
    public Tensor SignalMask { get; }

    /// <summary>1 for a sensing column (c >= K) [C].</summary>
    public Tensor SensingColumn { get; }

    /// <summary>The WSR (bps/Hz) [B] of designs <paramref name="x"/> [B, L C N 2] at errors <paramref name="e"/> [B, L U N 2] (null: none).</summary>
    public Tensor Wsr(Tensor x, Tensor? e)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var scope = NewDisposeScope();
        var w = x.view(B, L, C, N, 2) * BeamScale.view(B, 1, 1, 1, 1);
        var wr = w.select(-1, 0);
        var wi = w.select(-1, 1);
        var hr = ChannelsRe;
        var hi = ChannelsIm;
        if (e is not null)
        {
            var delta = e.view(B, L, U, N, 2) * Radii.view(B, L, U, 1, 1);
            hr = hr.Plus(delta.select(-1, 0));
            hi = hi.Plus(delta.select(-1, 1));
        }

        // y = h^H w for every (base station, user, column): real h_r w_r + h_i w_i, imaginary h_r w_i - h_i w_r.
        var yr = einsum("blun,blcn->bluc", hr, wr).Plus(einsum("blun,blcn->bluc", hi, wi));
        var yi = einsum("blun,blcn->bluc", hr, wi) - einsum("blun,blcn->bluc", hi, wr);
        var power = yr.square().Plus(yi.square());
        var received = power.sum([1, 3]).Plus(Noise);
        var signal = (power * SignalMask).sum([1, 3]);
        var interference = received - signal;
        var rates = (received.log() - interference.log()) * Weights;
        return (rates.sum(1) * Scalars.Of(InverseLn2)).MoveToOuterDisposeScope();
    }

    /// <summary>The Fisher information [B, P, P] of designs <paramref name="x"/> [B, L C N 2].</summary>
    public Tensor Fisher(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var scope = NewDisposeScope();
        var w = x.view(B, L, C, N, 2) * BeamScale.view(B, 1, 1, 1, 1);
        var wr = w.select(-1, 0).transpose(2, 3);
        var wi = w.select(-1, 1).transpose(2, 3);

        // dG W for every path and parameter; F_ab = kappa sum Re <dG_a W, dG_b W> (= Re tr(dG_b R dG_a^H), R = W W^H).
        var pr = einsum("bljmaik,blkc->bljmaic", DerivativesRe, wr) - einsum("bljmaik,blkc->bljmaic", DerivativesIm, wi);
        var pi = einsum("bljmaik,blkc->bljmaic", DerivativesRe, wi).Plus(einsum("bljmaik,blkc->bljmaic", DerivativesIm, wr));
        var gram = einsum("bljmaic,bljmdic->bljad", pr, pr).Plus(einsum("bljmaic,bljmdic->bljad", pi, pi));
        var fisher = einsum("ljap,bljad,ljdq->bpq", Select, gram, Select) * Kappa;
        return fisher.MoveToOuterDisposeScope();
    }

    /// <summary>CRLB = Tr([F^-1]_pp) in m^2 [B], F inverted after Jacobi scaling as the managed code does.</summary>
    public Tensor Crlb(Tensor x)
    {
        using var scope = NewDisposeScope();
        var fisher = Fisher(x);
        var scale = fisher.diagonal(0, 1, 2).rsqrt();
        var scaled = fisher * scale.unsqueeze(2) * scale.unsqueeze(1);
        var inverse = linalg.inv(scaled);
        var positions = inverse.diagonal(0, 1, 2).narrow(1, 0, 2 * J) * scale.narrow(1, 0, 2 * J).square();
        return positions.sum(1).MoveToOuterDisposeScope();
    }

    /// <summary>f1 = -WSR / U at errors <paramref name="e"/> and f2 = ln(CRLB / CRLB_iso), each [B] (the solver's objectives).</summary>
    public (Tensor F1, Tensor F2) Objectives(Tensor x, Tensor? e)
    {
        using var scope = NewDisposeScope();
        var f1 = Wsr(x, e) * Scalars.Of(-1.0 / Math.Max(1, U));
        var f2 = (Crlb(x) / CrlbReference).log();
        return (f1.MoveToOuterDisposeScope(), f2.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// phi(x) of eq. (16) in scaled error coordinates [B, L U N 2], detached: <paramref name="steps"/> projected steps of the
    /// lower level from e = 0, each block moving against its own WSR gradient by 1, 1/2, 1/3, ... of its radius (what
    /// <see cref="IsacCommunication.WorstCaseErrors"/> does, last iterate). Null when the bound is 0.
    /// </summary>
    public Tensor? LowerLevel(Tensor x, int steps)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (!Robust || steps <= 0)
        {
            return null;
        }

        using var scope = NewDisposeScope();
        using var grad = enable_grad();
        var design = x.detach();
        var e = zeros(B, ErrorLength, dtype: ScalarType.Float64, device: Device);
        for (var t = 0; t < steps; t++)
        {
            var current = e.detach().requires_grad_(true);
            var wsr = Wsr(design, current).sum();
            var gradient = autograd.grad([wsr], [current])[0].view(B, L * U, 2 * N);
            var norm = gradient.square().sum(-1, keepdim: true).sqrt();
            var unit = gradient / norm.clamp_min(Scalars.Of(1e-300));
            var moved = current.detach().view(B, L * U, 2 * N) - (unit * Scalars.Of(1.0 / (t + 1)));
            e = ProjectBlocks(moved, null).view(B, ErrorLength);
        }

        return e.detach().MoveToOuterDisposeScope();
    }

    /// <summary>Each base station's block of <paramref name="x"/> [B, L C N 2] scaled back into its power ball.</summary>
    public Tensor Project(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var scope = NewDisposeScope();
        return ProjectBlocks(x.view(B, L, C * N * 2), BlockRadius).view(B, DesignLength).MoveToOuterDisposeScope();
    }

    /// <summary>Each base station's power over its budget [B, L].</summary>
    public Tensor PowerShare(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var scope = NewDisposeScope();
        return (x.view(B, L, C * N * 2).square().sum(-1) / BlockRadius.square()).MoveToOuterDisposeScope();
    }

    /// <summary>The start of BOBLRBF (Algorithm 1, line 5) in scaled coordinates [B, L C N 2]: <see cref="IsacNetwork.InitialBeams"/> / sqrt(P_max).</summary>
    public static Tensor InitialDesigns(IReadOnlyList<IsacNetwork> networks, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(networks);
        var length = networks[0].BeamLength;
        var values = new double[networks.Count * length];
        for (var b = 0; b < networks.Count; b++)
        {
            var scale = Math.Sqrt(networks[b].PowerBudgets.Max());
            var beams = networks[b].InitialBeams();
            for (var i = 0; i < length; i++)
            {
                values[(b * length) + i] = beams[i] / scale;
            }
        }

        return tensor(values, [networks.Count, length], ScalarType.Float64, device ?? CPU);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }

        _owned.Clear();
    }

    private static Tensor ProjectBlocks(Tensor blocks, Tensor? radius)
    {
        var norm = blocks.square().sum(-1).sqrt();
        var limit = radius ?? ones_like(norm);
        var factor = (limit / norm.clamp_min(Scalars.Of(1e-300))).clamp_max(Scalars.One);
        return blocks * factor.unsqueeze(-1);
    }

    /// <summary>A constant of the batch, owned here (outside any dispose scope of the caller).</summary>
    private Tensor Tensor(double[] values, params long[] shape)
    {
        var created = tensor(values, shape, ScalarType.Float64, Device).DetachFromDisposeScope();
        _owned.Add(created);
        return created;
    }
}
