using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Controller.Runtime.Storage;

namespace Controller.Runtime.Tests.AzureBlob;

// The layout below is the Shared Key string-to-sign of the Blob service documentation; acceptance by a real
// service is proven by the Azurite round trips in AzureBlobGrainStorageTests.
public sealed class AzureBlobSharedKeySignerTests
{
    private static readonly byte[] Key = Encoding.ASCII.GetBytes("0123456789abcdef");

    [Fact]
    public void StringToSign_PutBlob_ListsVerbStandardHeadersSortedXmsHeadersAndResource()
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "http://127.0.0.1:10000/devstoreaccount1/grains/cell/k~20x/state");
        request.Content = new ByteArrayContent([1, 2, 3]);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        request.Content.Headers.ContentLength = 3;
        request.Headers.TryAddWithoutValidation("x-ms-version", "2021-12-02");
        request.Headers.TryAddWithoutValidation("x-ms-date", "Sun, 22 Nov 2026 08:00:00 GMT");
        request.Headers.TryAddWithoutValidation("X-MS-Blob-Type", "BlockBlob");
        request.Headers.TryAddWithoutValidation("If-Match", "\"0x1\"");
        var signer = new AzureBlobSharedKeySigner("devstoreaccount1", Key);

        var text = signer.StringToSign(request);

        Assert.Equal(
            "PUT\n\n\n3\n\napplication/octet-stream\n\n\n\"0x1\"\n\n\n\n"
            + "x-ms-blob-type:BlockBlob\nx-ms-date:Sun, 22 Nov 2026 08:00:00 GMT\nx-ms-version:2021-12-02\n"
            + "/devstoreaccount1/devstoreaccount1/grains/cell/k~20x/state",
            text);
    }

    [Fact]
    public void StringToSign_ZeroLengthAndQuery_SignsEmptyLengthAndSortedLowercaseParameters()
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "https://acct.blob.core.windows.net/grains?restype=container&Comp=b%20c&comp=a");
        request.Content = new ByteArrayContent([]);
        request.Content.Headers.ContentLength = 0;
        var signer = new AzureBlobSharedKeySigner("acct", Key);

        var text = signer.StringToSign(request);

        Assert.Equal("PUT\n\n\n\n\n\n\n\n\n\n\n\n/acct/grains\ncomp:a,b c\nrestype:container", text);
    }

    [Fact]
    public void Sign_AddsSharedKeyHeaderWithHmacOfStringToSign()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1:10000/devstoreaccount1/grains/cell/a/state");
        request.Headers.TryAddWithoutValidation("x-ms-date", "Sun, 22 Nov 2026 08:00:00 GMT");
        var signer = new AzureBlobSharedKeySigner("devstoreaccount1", Key);
        var expected = Convert.ToBase64String(HMACSHA256.HashData(Key, Encoding.UTF8.GetBytes(signer.StringToSign(request))));

        signer.Sign(request);

        Assert.Equal($"SharedKey devstoreaccount1:{expected}", string.Join(",", request.Headers.GetValues("Authorization")));
    }
}
