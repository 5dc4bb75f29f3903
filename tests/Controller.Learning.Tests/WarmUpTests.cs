using Controller.Learning.Inference;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Controller.Learning.Tests;

public sealed class WarmUpTests
{
    [Fact]
    public void Warm_Up_Loads_Libtorch_And_Runs_A_Pass()
    {
        var backend = new TorchSharpGnnBackend(new TorchSharpInferenceOptions());
        backend.WarmUp();
        Assert.Equal("cpu", backend.DeviceName);
    }

    [Theory]
    [InlineData(true, 1)]
    [InlineData(false, 0)]
    public void Only_A_Silo_Serving_Torchsharp_Warms_It_At_Start(bool loadAtStart, int hostedServices)
    {
        var services = new ServiceCollection();
        services.AddTorchSharpInference(new TorchSharpInferenceOptions { LoadAtStart = loadAtStart });
        Assert.Equal(hostedServices, services.Count(d => d.ServiceType == typeof(IHostedService)));
    }
}
