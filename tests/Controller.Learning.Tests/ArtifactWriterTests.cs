using Controller.Learning.Models;
using Controller.Learning.Training;
using Controller.Policies.ArtifactFormat;

namespace Controller.Learning.Tests;

public sealed class ArtifactWriterTests
{
    [Fact]
    public void Outcome_Becomes_A_Loadable_Artifact_With_History_And_Curves()
    {
        var directory = Path.Combine(Path.GetTempPath(), "controller-learning-" + Guid.NewGuid().ToString("N"));
        try
        {
            var hyperparameters = new ResilientGnnHyperparameters(2, 8, 0.01, 10);
            using var net = new ResilientGnnNet(hyperparameters);
            var manifest = new PolicyManifest("tiny", hyperparameters, new PfRatioInputs());
            var history = Enumerable.Range(1, 3)
                .Select(e => new EpochRow(e, [new("train_mean", 0.1 * e), new("val_mean", 0.09 * e)]))
                .ToList();
            var written = ArtifactWriter.Write(directory, new TrainingOutcome(manifest, TorchArtifacts.Tensors(net), history, [new CurvePanel("mean rate", ["train_mean", "val_mean"])]));

            Assert.Equal("tiny", written.Manifest.Name);
            var csv = File.ReadAllLines(Path.Combine(directory, ArtifactWriter.HistoryFileName));
            Assert.Equal("epoch,train_mean,val_mean", csv[0]);
            Assert.Equal("3,0.3,0.27", csv[3]);
            var png = File.ReadAllBytes(Path.Combine(directory, ArtifactWriter.CurvesFileName));
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);

            using var loaded = TorchArtifacts.LoadResilient(written);
            var before = TorchArtifacts.Tensors(net);
            var after = TorchArtifacts.Tensors(loaded);
            Assert.Equal(before.Select(t => t.Name), after.Select(t => t.Name));
            Assert.All(before.Zip(after), pair => Assert.Equal(pair.First.Values.ToArray(), pair.Second.Values.ToArray()));
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }
}
