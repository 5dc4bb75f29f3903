using Controller.Policies.ArtifactFormat;

namespace Controller.Learning.Training;

/// <summary>One epoch's row of a training history (history.csv): named numbers in a fixed column order.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="Values">Column -> value; every row of one history has the same columns in the same order.</param>
public sealed record EpochRow(int Epoch, IReadOnlyList<KeyValuePair<string, double>> Values)
{
    /// <summary>The value of <paramref name="column"/>.</summary>
    public double this[string column] => Values.First(v => v.Key == column).Value;
}

/// <summary>A chart of the curves PNG: a title and the history columns drawn on it.</summary>
/// <param name="Title">Axis title, with the unit.</param>
/// <param name="Columns">History columns, one line each.</param>
public sealed record CurvePanel(string Title, IReadOnlyList<string> Columns);

/// <summary>
/// What a trainer hands back: the chosen weights (already loaded into <see cref="Tensors"/>), the manifest, the history and
/// how to draw it. <see cref="ArtifactWriter"/> turns it into an artifact directory (model.safetensors, manifest.json,
/// history.csv, curves.png and any extra files).
/// </summary>
/// <param name="Manifest">The manifest (name, hyperparameters, inputs, training, validation, evaluation).</param>
/// <param name="Tensors">The chosen weights with the artifact's names.</param>
/// <param name="History">One row per epoch.</param>
/// <param name="Curves">Panels of curves.png.</param>
/// <param name="Extra">Further files to write beside the artifact (name -> writer), e.g. slack.csv.</param>
public sealed record TrainingOutcome(
    PolicyManifest Manifest,
    IReadOnlyList<SafeTensor> Tensors,
    IReadOnlyList<EpochRow> History,
    IReadOnlyList<CurvePanel> Curves,
    IReadOnlyDictionary<string, Action<string>>? Extra = null);

/// <summary>A trainer's report after each epoch, for a progress bar.</summary>
/// <param name="Epoch">Epochs done.</param>
/// <param name="Epochs">Epochs in all.</param>
/// <param name="Summary">One short line: the epoch's main numbers.</param>
public sealed record EpochProgress(int Epoch, int Epochs, string Summary);
