using System.Globalization;
using System.Text;
using Controller.Policies.ArtifactFormat;

namespace Controller.Learning.Training;

/// <summary>
/// Writes a <see cref="TrainingOutcome"/> as an artifact directory: <c>model.safetensors</c> and <c>manifest.json</c>
/// (checked as loading would check them), <c>history.csv</c> (one row per epoch), <c>curves.png</c> (one panel per
/// <see cref="CurvePanel"/>, drawn with ScottPlot) and the outcome's extra files.
/// </summary>
public static class ArtifactWriter
{
    /// <summary>The history file's name.</summary>
    public const string HistoryFileName = "history.csv";

    /// <summary>The curves' file name.</summary>
    public const string CurvesFileName = "curves.png";

    /// <summary>Writes everything into <paramref name="directory"/> (created if needed) and loads the artifact back as a check.</summary>
    public static PolicyArtifact Write(string directory, TrainingOutcome outcome)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(outcome);
        PolicyArtifact.Write(directory, outcome.Manifest, outcome.Tensors);
        WriteHistory(Path.Combine(directory, HistoryFileName), outcome.History);
        if (outcome.History.Count > 0 && outcome.Curves.Count > 0)
        {
            TrainingCurves.Draw(Path.Combine(directory, CurvesFileName), outcome.Manifest.Name, outcome.History, outcome.Curves);
        }

        foreach (var (name, write) in outcome.Extra ?? new Dictionary<string, Action<string>>())
        {
            if (name.Contains('/', StringComparison.Ordinal) || name.Contains('\\', StringComparison.Ordinal) || name.StartsWith('.'))
            {
                throw new ArgumentException($"Extra file '{name}' must be a plain file name.", nameof(outcome));
            }

            write(Path.Combine(directory, name));
        }

        return PolicyArtifact.Load(directory);
    }

    /// <summary>history.csv: <c>epoch</c> then the rows' columns, numbers in invariant culture ("R" round-trip).</summary>
    public static void WriteHistory(string path, IReadOnlyList<EpochRow> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var text = new StringBuilder();
        if (history.Count > 0)
        {
            text.Append("epoch");
            foreach (var (column, _) in history[0].Values)
            {
                text.Append(',').Append(column);
            }

            text.Append('\n');
            foreach (var row in history)
            {
                text.Append(row.Epoch.ToString(CultureInfo.InvariantCulture));
                foreach (var (_, value) in row.Values)
                {
                    text.Append(',').Append(value.ToString("G9", CultureInfo.InvariantCulture));
                }

                text.Append('\n');
            }
        }

        File.WriteAllText(path, text.ToString());
    }
}
