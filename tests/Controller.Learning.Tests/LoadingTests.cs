using static TorchSharp.torch;

namespace Controller.Learning.Tests;

public sealed class LoadingTests
{
    [Fact]
    public void Libtorch_Loads_And_Computes_A_Product()
    {
        using var a = tensor(new float[] { 1, 2, 3, 4 }).reshape(2, 2);
        using var b = a.matmul(a);
        Assert.Equal(new float[] { 7, 10, 15, 22 }, b.data<float>().ToArray());
    }
}
