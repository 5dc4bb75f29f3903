using Controller.Runtime.Storage;
using Controller.Runtime.Tests.Storage;

namespace Controller.Runtime.Tests.AzureBlob;

/// <summary>The shared <see cref="IGrainStorage"/> contract against <see cref="AzureBlobGrainStorage"/> on Azurite.</summary>
[Trait("Category", "Azurite")]
[Collection(AzuriteCollectionDefinition.Name)]
public sealed class AzureBlobGrainStorageContractTests(AzuriteFixture azurite) : GrainStorageContractTests
{
    // A fresh container per call: "a provider with no state in it".
    protected override IGrainStorage CreateStorage() => azurite.NewStorage();
}
