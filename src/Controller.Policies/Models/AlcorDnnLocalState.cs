namespace Controller.Policies.Models;

/// <summary>
/// What the users of one network remember for paper 001's distributed allocator (after its reference [15]) and the 41
/// local measurements computed from it. After each slot <see cref="Record"/> keeps the channel, powers and rates of the
/// last two slots; <see cref="Features"/> then gives user i, for slot t with gains G^t (G_ij = |h_ij|^2, receiver i,
/// transmitter j), in this order:
/// <list type="number">
/// <item>p_i^{t-1} / Pmax and R_i^{t-1} (2);</item>
/// <item>G_ii^t and G_ii^{t-1} (2);</item>
/// <item>the interference plus noise at t with the last powers, sum_{j != i} G_ij^t p_j^{t-1} + sigma^2, and at t-1,
/// sum_{j != i} G_ij^{t-1} p_j^{t-2} + sigma^2 (2);</item>
/// <item>from the interferers I_i^{t-1} (the at most 5 users j with the largest G_ij^{t-1} p_j^{t-1} above eta sigma^2):
/// G_ij^t p_j^{t-1} (5); from I_i^{t-2} (the same with G^{t-2}, p^{t-2}): G_ij^{t-1} p_j^{t-2} (5);</item>
/// <item>the interferers' rates R_j^{t-1}, j in I_i^{t-1} (5), and R_j^{t-2}, j in I_i^{t-2} (5);</item>
/// <item>for the interfered neighbours O_i (the at most 5 users j with the largest G_ji^{t-1} p_i' above eta sigma^2,
/// p_i' the last power user i transmitted with, standing in for the paper's "last time user i was active"): the
/// normalized interference G_ji^{t-1} p_i' / (sum_{l != j} G_jl^{t-1} p_l^{t-1} + sigma^2) (5), their direct channels
/// G_jj^{t-1} (5) and their rates R_j^{t-1} (5).</item>
/// </list>
/// 41 values; empty places of a set are 0. Before any slot is recorded the history is all zeros.
/// </summary>
public sealed class AlcorDnnLocalState
{
    /// <summary>Values per user.</summary>
    public const int Width = 41;

    private readonly int _users;
    private readonly int _neighbours;
    private readonly double _eta;
    private readonly double[] _gains1;
    private readonly double[] _gains2;
    private readonly double[] _power1;
    private readonly double[] _power2;
    private readonly double[] _rate1;
    private readonly double[] _rate2;
    private readonly double[] _lastOnPower;
    private readonly int[] _chosen;
    private readonly double[] _chosenValue;

    /// <summary>The state of <paramref name="users"/> users, sets of at most <paramref name="neighbours"/> and threshold eta sigma^2.</summary>
    public AlcorDnnLocalState(int users, int neighbours = 5, double eta = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(users, 1);
        if (neighbours != 5)
        {
            throw new ArgumentOutOfRangeException(nameof(neighbours), neighbours, "The 41 measurements hold sets of 5.");
        }

        _users = users;
        _neighbours = neighbours;
        _eta = eta;
        _gains1 = new double[users * users];
        _gains2 = new double[users * users];
        _power1 = new double[users];
        _power2 = new double[users];
        _rate1 = new double[users];
        _rate2 = new double[users];
        _lastOnPower = new double[users];
        _chosen = new int[neighbours];
        _chosenValue = new double[neighbours];
    }

    /// <summary>The power user <paramref name="user"/> transmitted with in the last recorded slot.</summary>
    public double LastPower(int user) => _power1[user];

    /// <summary>Makes the remembered channels of the last two slots equal to <paramref name="gains"/> (a diagnostic: the channel as if static).</summary>
    public void AssumeStaticChannel(ReadOnlySpan<double> gains)
    {
        if (gains.Length != _users * _users)
        {
            throw new ArgumentException($"{_users} users need {_users * _users} gains (got {gains.Length}).", nameof(gains));
        }

        gains.CopyTo(_gains1);
        gains.CopyTo(_gains2);
    }

    /// <summary>Users of the network.</summary>
    public int Users => _users;

    /// <summary>Writes user <paramref name="user"/>'s 41 measurements for the slot with gains <paramref name="gains"/> (N x N, row-major).</summary>
    public void Features(ReadOnlySpan<double> gains, double noise, double maxPower, int user, Span<double> features)
    {
        var n = _users;
        if (gains.Length != n * n || features.Length < Width || (uint)user >= (uint)n)
        {
            throw new ArgumentException($"{n} users need {n * n} gains, a user below {n} and {Width} places (got {gains.Length}, {user}, {features.Length}).");
        }

        features[..Width].Clear();
        var i = user;
        features[0] = _power1[i] / maxPower;
        features[1] = _rate1[i];
        features[2] = gains[(i * n) + i];
        features[3] = _gains1[(i * n) + i];
        double now = noise, before = noise;
        for (var j = 0; j < n; j++)
        {
            if (j != i)
            {
                now += gains[(i * n) + j] * _power1[j];
                before += _gains1[(i * n) + j] * _power2[j];
            }
        }

        features[4] = now;
        features[5] = before;
        var threshold = _eta * noise;

        // I_i^{t-1}: ranked by G_ij^{t-1} p_j^{t-1}.
        var count = Strongest(j => j == i ? -1 : _gains1[(i * n) + j] * _power1[j], threshold);
        for (var k = 0; k < count; k++)
        {
            var j = _chosen[k];
            features[6 + k] = gains[(i * n) + j] * _power1[j];
            features[16 + k] = _rate1[j];
        }

        // I_i^{t-2}: ranked by G_ij^{t-2} p_j^{t-2}.
        count = Strongest(j => j == i ? -1 : _gains2[(i * n) + j] * _power2[j], threshold);
        for (var k = 0; k < count; k++)
        {
            var j = _chosen[k];
            features[11 + k] = _gains1[(i * n) + j] * _power2[j];
            features[21 + k] = _rate2[j];
        }

        // O_i: the receivers user i's last power reaches most strongly on the last channel.
        var own = _lastOnPower[i];
        count = Strongest(j => j == i ? -1 : _gains1[(j * n) + i] * own, threshold);
        for (var k = 0; k < count; k++)
        {
            var j = _chosen[k];
            var interference = noise;
            for (var l = 0; l < n; l++)
            {
                if (l != j)
                {
                    interference += _gains1[(j * n) + l] * _power1[l];
                }
            }

            features[26 + k] = _gains1[(j * n) + i] * own / interference;
            features[31 + k] = _gains1[(j * n) + j];
            features[36 + k] = _rate1[j];
        }
    }

    /// <summary>Remembers a finished slot: its gains, the powers transmitted and the rates achieved.</summary>
    public void Record(ReadOnlySpan<double> gains, ReadOnlySpan<double> power, ReadOnlySpan<double> rates)
    {
        var n = _users;
        if (gains.Length != n * n || power.Length < n || rates.Length < n)
        {
            throw new ArgumentException($"{n} users need {n * n} gains, {n} powers and {n} rates.");
        }

        _gains1.CopyTo(_gains2);
        gains.CopyTo(_gains1);
        _power1.CopyTo(_power2);
        power[..n].CopyTo(_power1);
        _rate1.CopyTo(_rate2);
        rates[..n].CopyTo(_rate1);
        for (var j = 0; j < n; j++)
        {
            if (power[j] > 0)
            {
                _lastOnPower[j] = power[j];
            }
        }
    }

    /// <summary>Forgets everything (a new network).</summary>
    public void Reset()
    {
        Array.Clear(_gains1);
        Array.Clear(_gains2);
        Array.Clear(_power1);
        Array.Clear(_power2);
        Array.Clear(_rate1);
        Array.Clear(_rate2);
        Array.Clear(_lastOnPower);
    }

    /// <summary>The at most <see cref="_neighbours"/> users of largest score above <paramref name="threshold"/>, strongest first, into <see cref="_chosen"/>.</summary>
    private int Strongest(Func<int, double> score, double threshold)
    {
        var count = 0;
        for (var j = 0; j < _users; j++)
        {
            var value = score(j);
            if (!(value > threshold))
            {
                continue;
            }

            // Insertion into the sorted top list (ties: lower index first).
            var place = count;
            while (place > 0 && _chosenValue[place - 1] < value)
            {
                place--;
            }

            if (place >= _neighbours)
            {
                continue;
            }

            for (var k = Math.Min(count, _neighbours - 1); k > place; k--)
            {
                _chosen[k] = _chosen[k - 1];
                _chosenValue[k] = _chosenValue[k - 1];
            }

            _chosen[place] = j;
            _chosenValue[place] = value;
            count = Math.Min(count + 1, _neighbours);
        }

        return count;
    }
}
