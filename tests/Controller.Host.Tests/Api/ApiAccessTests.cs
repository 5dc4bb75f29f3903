using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Controller.Grains;
using Controller.Host.Api;
using Controller.Host.Cli;
using Controller.Host.Tests.Support;

namespace Controller.Host.Tests.Api;

/// <summary>Bearer keys: where they come from, how they are compared, and what the API does with and without them (real host).</summary>
public sealed class ApiAccessTests
{
    private const string Key = ApiHost.Key;

    [Theory]
    [InlineData("http://127.0.0.1:5080", true)]
    [InlineData("http://localhost:0", true)]
    [InlineData("http://[::1]:5080", true)]
    [InlineData("http://127.0.0.1:5080;http://[::1]:5081", true)]
    [InlineData("none", true)]
    [InlineData("http://0.0.0.0:5080", false)]
    [InlineData("http://[::]:5080", false)]
    [InlineData("http://*:5080", false)]
    [InlineData("http://+:5080", false)]
    [InlineData("http://192.168.1.4:5080", false)]
    [InlineData("http://controller.example:5080", false)]
    [InlineData("http://127.0.0.1:5080;http://0.0.0.0:5081", false)]
    [InlineData("not a url", false)]
    public void IsLoopback_accepts_only_loopback_addresses(string listen, bool loopback) => Assert.Equal(loopback, ApiAccess.IsLoopback(listen));

    [Fact]
    public void Match_names_the_key_by_a_digest_prefix_and_refuses_others()
    {
        var other = "another-key-abcdefghijklmnop";
        var access = ApiAccess.WithKeys([Key, other], "test");
        Assert.Equal(ApiAccess.KeyId(Key), access.Match(Key));
        Assert.Equal(ApiAccess.KeyId(other), access.Match(other));
        Assert.NotEqual(access.Match(Key), access.Match(other));
        Assert.Null(access.Match(Key[..^1]));
        Assert.Null(access.Match(Key + "x"));
        Assert.Null(access.Match(""));
        Assert.Matches("^key:[0-9a-f]{8}$", ApiAccess.KeyId(Key));
        Assert.DoesNotContain(Key, ApiAccess.KeyId(Key), StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_prefers_the_variable_then_the_file_then_generates_on_loopback()
    {
        var directory = Directory.CreateTempSubdirectory("api-access-").FullName;
        try
        {
            var fromVariable = ApiAccess.Resolve("http://127.0.0.1:0", null, directory, Environment(key: Key));
            Assert.NotNull(fromVariable.Access.Match(Key));
            Assert.Null(fromVariable.GeneratedFile);
            Assert.False(fromVariable.Access.ReadsNeedKey);

            var file = Path.Combine(directory, "keys");
            File.WriteAllLines(file, ["# operators", "", "first-key-0123456789", "second-key-0123456789"]);
            var fromFile = ApiAccess.Resolve("http://0.0.0.0:0", null, directory, Environment(keyFile: file));
            Assert.NotNull(fromFile.Access.Match("second-key-0123456789"));
            Assert.Null(fromFile.Access.Match("# operators"));
            Assert.True(fromFile.Access.ReadsNeedKey);

            var generated = ApiAccess.Resolve("http://127.0.0.1:0", null, directory, Environment());
            Assert.Equal(Path.Combine(directory, ApiAccess.GeneratedKeyFileName), generated.GeneratedFile);
            var key = File.ReadAllText(generated.GeneratedFile!).Trim();
            Assert.True(key.Length >= 40);
            Assert.NotNull(generated.Access.Match(key));
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(generated.GeneratedFile!));
            }

            // Started again, the silo keeps the key it generated (scripts keep working).
            var again = ApiAccess.Resolve("http://127.0.0.1:0", null, directory, Environment());
            Assert.NotNull(again.Access.Match(key));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Resolve_refuses_beyond_loopback_without_a_key_and_never_echoes_a_key()
    {
        var refused = Assert.Throws<CliUsageException>(() => ApiAccess.Resolve("http://0.0.0.0:5080", null, Path.GetTempPath(), Environment()));
        Assert.Contains(ApiAccess.KeyVariable, refused.Message, StringComparison.Ordinal);
        Assert.Contains(ApiAccess.KeyFileVariable, refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', refused.Message);

        var weak = Assert.Throws<CliUsageException>(() => ApiAccess.Resolve("http://127.0.0.1:0", null, null, Environment(key: "short-secret")));
        Assert.DoesNotContain("short-secret", weak.Message, StringComparison.Ordinal);
        var missing = Assert.Throws<CliUsageException>(() => ApiAccess.Resolve("http://127.0.0.1:0", "/nonexistent/keys", null, Environment()));
        Assert.Contains("/nonexistent/keys", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_mutation_without_a_key_is_401_with_a_wrong_key_401_with_the_key_done_and_logged()
    {
        await using var api = await ApiHost.StartAsync();
        var body = new { demand = 2.5 };

        using var none = await api.Anonymous.PutAsJsonAsync("api/users/r000/u002/demand", body);
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal("Bearer", none.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal("application/problem+json", none.Content.Headers.ContentType?.MediaType);

        using var wrong = new HttpRequestMessage(HttpMethod.Put, "api/users/r000/u002/demand") { Content = JsonContent.Create(body) };
        wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "wrong-key-0123456789abcdef");
        using var wrongResponse = await api.Anonymous.SendAsync(wrong);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongResponse.StatusCode);
        Assert.Contains("not one this controller accepts", await wrongResponse.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var malformed = new HttpRequestMessage(HttpMethod.Delete, "api/users/r000/u002/demand");
        malformed.Headers.TryAddWithoutValidation("Authorization", "Basic " + Key);
        using var malformedResponse = await api.Anonymous.SendAsync(malformed);
        Assert.Equal(HttpStatusCode.Unauthorized, malformedResponse.StatusCode);

        // Nothing reached the region.
        await api.Grains.GetGrain<IRegionGrain>("r000").RunLoopAsync(CancellationToken.None);
        Assert.Equal(1, (await api.Anonymous.GetFromJsonAsync<JsonElement>("api/users/r000/u002")).GetProperty("demand").GetDouble());

        using var done = await api.Operator.PutAsJsonAsync("api/users/r000/u002/demand", body);
        Assert.Equal(HttpStatusCode.NoContent, done.StatusCode);
        await api.Grains.GetGrain<IRegionGrain>("r000").RunLoopAsync(CancellationToken.None);
        Assert.Equal(2.5, (await api.Anonymous.GetFromJsonAsync<JsonElement>("api/users/r000/u002")).GetProperty("demand").GetDouble());
        using var cleared = await api.Operator.DeleteAsync("api/users/r000/u002/demand");
        Assert.Equal(HttpStatusCode.NoContent, cleared.StatusCode);
        using var policy = await api.Operator.PutAsJsonAsync("api/regions/r001/policy", new { policy = "itlinq" });
        Assert.Equal(HttpStatusCode.NoContent, policy.StatusCode);

        var audit = api.Logs.Lines.Where(l => l.Category == ControlApi.AuditCategory).Select(l => l.Message).ToArray();
        var keyId = ApiAccess.KeyId(Key);
        Assert.Contains(audit, m => m.StartsWith($"API set-demand r000/u002 by {keyId} from 127.0.0.1:", StringComparison.Ordinal) && m.EndsWith(": 1 -> 2.5", StringComparison.Ordinal));
        Assert.Contains(audit, m => m.StartsWith($"API clear-demand r000/u002 by {keyId}", StringComparison.Ordinal) && m.EndsWith(": 2.5 -> the RAN's demand", StringComparison.Ordinal));
        Assert.Contains(audit, m => m.StartsWith($"API set-policy r001 by {keyId}", StringComparison.Ordinal) && m.EndsWith("-> itlinq", StringComparison.Ordinal));
        Assert.Equal(3, audit.Count(m => m.Contains("refused (401)", StringComparison.Ordinal)));
        Assert.DoesNotContain(api.Logs.Lines, l => l.Message.Contains(Key, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_any_key_mutations_are_refused_saying_how_to_set_one()
    {
        await using var api = await ApiHost.StartAsync(withKey: false);
        using var response = await api.Anonymous.PutAsJsonAsync("api/regions/r000/policy", new { policy = "wmmse" });
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(ApiAccess.KeyVariable, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var read = await api.Anonymous.GetAsync("api/regions/r000");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
    }

    [Fact]
    public async Task Beyond_loopback_reads_and_metrics_need_the_key_too_but_probes_do_not()
    {
        await using var api = await ApiHost.StartAsync(readsNeedKey: true);
        foreach (var path in new[] { "api/regions", "api/users", "metrics" })
        {
            using var anonymous = await api.Anonymous.GetAsync(path);
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            using var keyed = await api.Operator.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, keyed.StatusCode);
        }

        using var live = await api.Anonymous.GetAsync("healthz");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        using var ready = await api.Anonymous.GetAsync("readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    private static Func<string, string?> Environment(string? key = null, string? keyFile = null) => name => name switch
    {
        ApiAccess.KeyVariable => key,
        ApiAccess.KeyFileVariable => keyFile,
        _ => null,
    };
}
