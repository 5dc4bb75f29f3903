using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Controller.Host.Tests.Dashboard;

/// <summary>A real demo of one ISAC region (isac-robust, 2 iterations per loop, a loop every 300 ms) and a real Chromium.</summary>
public sealed class IsacDashboardFixture : DashboardFixture
{
    protected override string[] Network => ["--scenario", "isac", "--regions", "1", "--policy", "isac-robust:2", "--period", "300"];
}

/// <summary>The ISAC panel of a region page: live CRLB and WSR, the trade-off set from the page, a refusal shown.</summary>
[Trait("Category", "Process")]
public sealed class IsacDashboardBrowserTests(IsacDashboardFixture demo) : IClassFixture<IsacDashboardFixture>
{
    [Fact]
    public async Task Isac_panel_shows_crlb_and_wsr_and_sets_the_trade_off()
    {
        var (page, _) = await demo.OpenAsync("#/regions/r000");
        await Assertions.Expect(page.Locator("#isac")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Assertions.Expect(page.Locator("[data-stat=isac-crlb]")).ToHaveTextAsync(new Regex(@"^\d"), new() { Timeout = 60_000 });
        await Assertions.Expect(page.Locator("[data-stat=isac-true-wsr]")).ToHaveTextAsync(new Regex(@"^\d+\.\d{3}$"));
        await Assertions.Expect(page.Locator("[data-stat=isac-weight]")).ToHaveTextAsync("0.50");
        // The fixed budget of isac-robust:2, with the last solve's time.
        await Assertions.Expect(page.Locator("[data-stat=isac-iterations]")).ToHaveTextAsync(new Regex(@"^2, \d+\.\d ms$"));
        await Assertions.Expect(page.Locator("#map svg [data-target]")).ToHaveCountAsync(2, new() { Timeout = 60_000 });
        var warm = await page.Locator("[data-stat=isac-warm-starts]").InnerTextAsync();
        await Assertions.Expect(page.Locator("[data-stat=isac-warm-starts]")).Not.ToHaveTextAsync(warm, new() { Timeout = 60_000 });

        await page.ClickAsync("#key-button");
        await page.FillAsync("#key-input", DashboardFixture.Key);
        await page.ClickAsync("#key-save");

        // Out of range: the API's own sentence on the page, and nothing changes.
        await page.FillAsync("#isac-weight-input", "1.5");
        await page.ClickAsync("#isac-weight-set");
        await page.ClickAsync("#confirm-ok");
        await Assertions.Expect(page.Locator("#error")).ToContainTextAsync("must be a finite number in [0, 1]");
        await Assertions.Expect(page.Locator("#error")).ToHaveAttributeAsync("data-status", "400");

        await page.FillAsync("#isac-weight-input", "0.9");
        await page.ClickAsync("#isac-weight-set");
        await Assertions.Expect(page.Locator("#confirm-text")).ToContainTextAsync("Set region r000's communication weight to 0.9?");
        await page.ClickAsync("#confirm-ok");

        await demo.WaitForAsync("api/regions/r000", s => s.GetProperty("isac").GetProperty("communicationWeight").GetDouble() == 0.9, "r000's weight is 0.9");
        await Assertions.Expect(page.Locator("[data-stat=isac-weight]")).ToHaveTextAsync("0.90", new() { Timeout = 60_000 });
        await Assertions.Expect(page.Locator("#error")).ToBeHiddenAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(DashboardFixture.Screenshots, "region-isac.png"), FullPage = true });
    }
}
