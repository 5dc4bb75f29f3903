using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Controller.Host.Api;
using Microsoft.Playwright;

namespace Controller.Host.Tests.Dashboard;

/// <summary>
/// A real <c>controller demo</c> (3 regions, loops every 100 ms, its key from the environment) and a real headless
/// Chromium (Debian's <c>chromium</c>, driven by Playwright; never a downloaded browser) shared by the dashboard's tests.
/// </summary>
public partial class DashboardFixture : IAsyncLifetime
{
    public const string Key = "dashboard-key-0123456789abcdef";

    private readonly string _directory = Directory.CreateTempSubdirectory("dashboard-").FullName;
    private RunningController? _demo;

    public Uri Address { get; private set; } = null!;

    public IPlaywright Playwright { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>The API with the key, for checks the tests make beside the page.</summary>
    public HttpClient Api { get; private set; } = null!;

    internal RunningController Demo => _demo!;

    /// <summary>Where the screenshots go (kept as CI artifacts): artifacts/screenshots under the test output.</summary>
    public static string Screenshots { get; } = Path.Combine(AppContext.BaseDirectory, "artifacts", "screenshots");

    public async Task InitializeAsync()
    {
        var chromium = FindChromium();
        _demo = ControllerProcess.Start(
            new Dictionary<string, string?> { [ApiAccess.KeyVariable] = Key },
            ["demo", "--state-dir", Path.Combine(_directory, "state"), "--listen", "http://127.0.0.1:0", "--view", "lines",
            "--silo-port", "0", "--gateway-port", "0", "--duration", "1800", .. Network]);
        var line = await _demo.WaitForLineAsync(l => l.StartsWith("demo: dashboard on ", StringComparison.Ordinal), TimeSpan.FromMinutes(3));
        Address = new Uri(DashboardAddress().Match(line).Groups[1].Value);
        await _demo.WaitForLineAsync(l => l.StartsWith("demo: running", StringComparison.Ordinal), TimeSpan.FromMinutes(3));
        Api = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(30) };
        Api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        Directory.CreateDirectory(Screenshots);
        // Generous waits for every expectation: the cores are shared with the demo's loops and other tests.
        Assertions.SetDefaultExpectTimeout(30_000);
        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await Playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = chromium, Headless = true, Timeout = 120_000 });
    }

    /// <summary>The demo's network and policy arguments.</summary>
    protected virtual string[] Network => ["--regions", "3"];

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        Playwright?.Dispose();
        Api?.Dispose();
        _demo?.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>A fresh tab (its own sessionStorage) on the dashboard, every request it makes recorded.</summary>
    public async Task<(IPage Page, List<string> Requests)> OpenAsync(string fragment = "")
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = Address.ToString(), ViewportSize = new ViewportSize { Width = 1440, Height = 1100 } });
        context.SetDefaultTimeout(60_000);
        var page = await context.NewPageAsync();
        var requests = new List<string>();
        page.Request += (_, request) =>
        {
            lock (requests)
            {
                requests.Add(request.Url);
            }
        };
        await page.GotoAsync("/" + fragment);
        return (page, requests);
    }

    public async Task<JsonElement> GetAsync(string path) => await Api.GetFromJsonAsync<JsonElement>(path);

    /// <summary>Polls the API until <paramref name="condition"/> holds (generous timeout: the machine is shared), returning the last answer.</summary>
    public async Task<JsonElement> WaitForAsync(string path, Func<JsonElement, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        JsonElement last = default;
        while (DateTime.UtcNow < deadline)
        {
            last = await GetAsync(path);
            if (condition(last))
            {
                return last;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"{what}: still not so after 2 minutes; last {path}: {last}");
    }

    private static string FindChromium()
    {
        var named = Environment.GetEnvironmentVariable("CHROMIUM_PATH");
        foreach (var candidate in new[] { named, "/usr/bin/chromium", "/usr/bin/chromium-browser" })
        {
            if (!string.IsNullOrEmpty(candidate) && File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("Debian's chromium is missing (apt-get install chromium; infra/test installs it as root), or set CHROMIUM_PATH.");
    }

    [GeneratedRegex(@"dashboard on (http://[^ ]+/)")]
    private static partial Regex DashboardAddress();
}

/// <summary>The dashboard in a real browser in front of a real demo: live numbers, a policy switch, refusals shown.</summary>
[Trait("Category", "Process")]
public sealed class DashboardBrowserTests(DashboardFixture demo) : IClassFixture<DashboardFixture>
{
    private static string Shot(string name) => Path.Combine(DashboardFixture.Screenshots, name);

    [Fact]
    public async Task Overview_shows_every_region_with_numbers_that_change_without_a_reload()
    {
        var (page, requests) = await demo.OpenAsync();
        var rows = page.Locator("#regions tr[data-region]");
        await Assertions.Expect(rows).ToHaveCountAsync(3, new() { Timeout = 60_000 });
        await Assertions.Expect(page.Locator("[data-stat=loops]")).Not.ToHaveTextAsync("–", new() { Timeout = 60_000 });

        // A mark in the page's own memory: it survives only if the page is never reloaded.
        await page.EvaluateAsync("() => { window.__notReloaded = true; }");
        var loops = await page.Locator("[data-stat=loops]").InnerTextAsync();
        var completed = new Dictionary<string, string>();
        foreach (var region in new[] { "r000", "r001", "r002" })
        {
            completed[region] = await page.Locator($"tr[data-region={region}] td[data-col=completed]").InnerTextAsync();
            await Assertions.Expect(page.Locator($"tr[data-region={region}] td[data-col=policy]")).Not.ToBeEmptyAsync();
        }

        await Assertions.Expect(page.Locator("[data-stat=loops]")).Not.ToHaveTextAsync(loops, new() { Timeout = 60_000 });
        foreach (var (region, before) in completed)
        {
            await Assertions.Expect(page.Locator($"tr[data-region={region}] td[data-col=completed]")).Not.ToHaveTextAsync(before, new() { Timeout = 60_000 });
            await Assertions.Expect(page.Locator($"tr[data-region={region}] td[data-col=p99]")).ToHaveTextAsync(new Regex(@"^\d+\.\d\d ms$"));
            await Assertions.Expect(page.Locator($"tr[data-region={region}] td[data-col=mean]")).ToHaveTextAsync(new Regex(@"^\d+\.\d{3}$"));
        }

        await Assertions.Expect(page.Locator("[data-stat=ran]")).ToHaveTextAsync("answering");
        Assert.True(await page.EvaluateAsync<bool>("() => window.__notReloaded === true"), "the page was reloaded");
        await page.ScreenshotAsync(new() { Path = Shot("overview.png"), FullPage = true });

        // Offline: everything the page asked for came from the silo.
        lock (requests)
        {
            Assert.NotEmpty(requests);
            Assert.All(requests, url => Assert.StartsWith(demo.Address.GetLeftPart(UriPartial.Authority), url, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Switching_a_policy_from_the_region_page_is_reflected_in_the_next_loop()
    {
        var (page, _) = await demo.OpenAsync("#/regions/r001");
        await Assertions.Expect(page.Locator("[data-stat=policy]")).ToHaveTextAsync("alcor(itlinq)", new() { Timeout = 60_000 });
        await Assertions.Expect(page.Locator("#cells tr[data-cell]")).ToHaveCountAsync(4);
        await Assertions.Expect(page.Locator("#map svg circle[data-user]")).ToHaveCountAsync(40);
        await page.Locator("#policy-select option[value='wmmse']").WaitForAsync(new() { State = WaitForSelectorState.Attached });

        await page.ClickAsync("#key-button");
        await page.FillAsync("#key-input", DashboardFixture.Key);
        await page.ClickAsync("#key-save");
        await Assertions.Expect(page.Locator("#key-button")).ToHaveTextAsync("API key ✓");
        Assert.Equal(DashboardFixture.Key, await page.EvaluateAsync<string>("() => sessionStorage.getItem('controller.apiKey')"));

        await page.SelectOptionAsync("#policy-select", "wmmse");
        await page.ClickAsync("#policy-switch");
        await Assertions.Expect(page.Locator("#confirm-text")).ToContainTextAsync("Switch region r001 from alcor(itlinq) to wmmse?");
        await page.ScreenshotAsync(new() { Path = Shot("region-confirm.png") });
        await page.ClickAsync("#confirm-ok");

        // Through the API: the region runs wmmse, and a loop after the switch decided with it.
        var status = await demo.WaitForAsync("api/regions/r001", s => s.GetProperty("policy").GetString() == "wmmse", "r001's policy is wmmse");
        var iterations = status.GetProperty("iterations").GetInt64();
        await demo.WaitForAsync("api/regions/r001", s => s.GetProperty("iterations").GetInt64() > iterations && s.GetProperty("lastOutcome").GetString() == "completed", "a loop of r001 completed after the switch");
        await demo.WaitForAsync("api/cells/r001/c00", c => c.GetProperty("lastDecision").GetProperty("policy").GetString() == "wmmse", "r001/c00's last decision came from wmmse");
        Assert.Equal("alcor(itlinq)", (await demo.GetAsync("api/regions/r000")).GetProperty("policy").GetString());
        await demo.Demo.WaitForLineAsync(l => l.Contains($"API set-policy r001 by {ApiAccess.KeyId(DashboardFixture.Key)} from 127.0.0.1:", StringComparison.Ordinal), TimeSpan.FromSeconds(30));

        // And on the page, without a reload.
        await Assertions.Expect(page.Locator("[data-stat=policy]")).ToHaveTextAsync("wmmse", new() { Timeout = 60_000 });
        await Assertions.Expect(page.Locator("#cells tr[data-cell='r001/c00'] td").Nth(4)).ToHaveTextAsync("wmmse", new() { Timeout = 60_000 });
        await Assertions.Expect(page.Locator("#error")).ToBeHiddenAsync();
        Assert.DoesNotContain(DashboardFixture.Key, page.Url, StringComparison.Ordinal);
        await page.WaitForFunctionAsync("() => document.querySelectorAll('#latency-chart .u-over').length === 1");
        await page.ScreenshotAsync(new() { Path = Shot("region.png"), FullPage = true });
    }

    [Fact]
    public async Task A_refused_action_shows_the_apis_error_on_the_page()
    {
        var (page, _) = await demo.OpenAsync("#/users/r002/u003");
        await Assertions.Expect(page.Locator("[data-stat=rate-average]")).ToHaveTextAsync(new Regex(@"^\d+\.\d{3}$"), new() { Timeout = 60_000 });
        await Assertions.Expect(page.Locator("[data-stat=kappa]")).ToHaveTextAsync(new Regex(@"^\d+\.\d{3}$"));
        await Assertions.Expect(page.Locator("[data-stat=alpha]")).ToContainTextAsync("no DBiNUM run");

        // A wrong key: the API's 401 problem, on the page.
        await page.ClickAsync("#key-button");
        await page.FillAsync("#key-input", "not-the-key-0123456789");
        await page.ClickAsync("#key-save");
        await page.FillAsync("#demand-input", "2");
        await page.ClickAsync("#demand-set");
        await page.ClickAsync("#confirm-ok");
        await Assertions.Expect(page.Locator("#error")).ToContainTextAsync("Demand override refused: 401");
        await Assertions.Expect(page.Locator("#error")).ToHaveAttributeAsync("data-status", "401");

        // The right key and a demand out of range: the API's own sentence.
        await page.ClickAsync("#key-button");
        await page.FillAsync("#key-input", DashboardFixture.Key);
        await page.ClickAsync("#key-save");
        await page.FillAsync("#demand-input", "50");
        await page.ClickAsync("#demand-set");
        await page.ClickAsync("#confirm-ok");
        await Assertions.Expect(page.Locator("#error")).ToContainTextAsync("The demand of user 'r002/u003' must be a finite number in [0, 40] bps/Hz (got 50).");
        await Assertions.Expect(page.Locator("#error")).ToHaveAttributeAsync("data-status", "400");
        await page.ScreenshotAsync(new() { Path = Shot("user-refused.png"), FullPage = true });

        // Not a number at all: sent as typed, refused by the API's strict body reading.
        await page.FillAsync("#demand-input", "lots");
        await page.ClickAsync("#demand-set");
        await page.ClickAsync("#confirm-ok");
        await Assertions.Expect(page.Locator("#error")).ToContainTextAsync("400 ");
        await Assertions.Expect(page.Locator("#error")).ToContainTextAsync("The body is not a demand");

        // Cancelling the confirmation sends nothing; the demand never changed.
        await page.FillAsync("#demand-input", "0.5");
        await page.ClickAsync("#demand-set");
        await page.ClickAsync("#confirm button[value=cancel]");
        Assert.Equal(1, (await demo.GetAsync("api/users/r002/u003")).GetProperty("demand").GetDouble());

        // A valid override is applied from the next loop and shown; clearing it restores the RAN's demand.
        await page.ClickAsync("#demand-set");
        await page.ClickAsync("#confirm-ok");
        await Assertions.Expect(page.Locator("#error")).ToBeHiddenAsync();
        await demo.WaitForAsync("api/users/r002/u003", u => u.GetProperty("demand").GetDouble() == 0.5, "r002/u003's demand is the override 0.5");
        await Assertions.Expect(page.Locator("[data-stat=demand]")).ToHaveTextAsync("0.500", new() { Timeout = 60_000 });
        await page.ScreenshotAsync(new() { Path = Shot("user.png"), FullPage = true });
        await page.ClickAsync("#demand-clear");
        await page.ClickAsync("#confirm-ok");
        await demo.WaitForAsync("api/users/r002/u003", u => u.GetProperty("demand").GetDouble() == 1, "r002/u003's demand is the RAN's 1 again");
    }

    [Fact]
    public async Task Orleans_dashboard_is_mounted_beside_it()
    {
        var (page, _) = await demo.OpenAsync();
        using var response = await demo.Api.GetAsync("orleans/");
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        await page.GotoAsync("/orleans/");
        await page.WaitForFunctionAsync("() => document.body.innerText.length > 50");
        Assert.Contains("Orleans", await page.TitleAsync(), StringComparison.OrdinalIgnoreCase);
        await page.ScreenshotAsync(new() { Path = Shot("orleans.png") });
    }
}
