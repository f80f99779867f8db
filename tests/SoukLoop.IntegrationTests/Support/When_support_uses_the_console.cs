using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace SoukLoop.IntegrationTests.Support;

/// <summary>
/// The support console in Debian's Chromium, driven by Playwright (no browser download: PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD,
/// /usr/bin/chromium, installed by scripts/test.sh). The test reads the page as a person would.
/// </summary>
[Collection(SupportCollection.Name)]
public class When_support_uses_the_console(SupportFixture system) : IAsyncLifetime
{
    const string Chromium = "/usr/bin/chromium";
    IPlaywright _playwright = null!;
    IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(Chromium))
            throw new InvalidOperationException($"{Chromium} is missing: run the tests with scripts/test.sh (it installs Debian's chromium).");
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        // A loaded 2-core machine runs the Api, the Workers and the browser at once: wait like a patient person.
        SetDefaultExpectTimeout(30_000);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run"
            ]
        });
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }

    async Task<IPage> SignedInPageAsync(string email, string password)
    {
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(system.ApiAddress, "/support").ToString());
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        return page;
    }

    async Task<(string Email, string Password)> SupportAccountAsync()
    {
        var email = $"desk-{Guid.NewGuid():N}@example.test";
        const string password = "support console 1";
        var (exit, output) = await system.RunWorkersCommandAsync("create-support-user", email, password, "Support Desk");
        Assert.True(exit == 0, output);
        return (email, password);
    }

    [Fact]
    public async Task Should_sign_in_find_an_offer_read_its_timeline_and_force_an_expiry_with_a_reason()
    {
        var (seller, buyer, product, id) = await system.OpenOfferAsync();
        var (status, _) = await seller.MoveApplied(id, "counter", o => o.Status() == "countered", new { counter_price = 90m });
        Assert.Equal(HttpStatusCode.OK, status);
        var (email, password) = await SupportAccountAsync();

        var page = await SignedInPageAsync(email, password);
        await Expect(page.GetByText("Support Desk")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Stuck offers" })).ToBeVisibleAsync();

        // Find the offer by its id.
        await page.GetByLabel("Find offers by").SelectOptionAsync("offer");
        await page.GetByRole(AriaRole.Textbox, new() { Name = "Id", Exact = true }).FillAsync(id.ToString());
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await Expect(page.Locator("#offer-state")).ToHaveTextAsync("Countered");
        await Expect(page.Locator("#saga tr[data-field=version] td")).ToHaveTextAsync("2");
        var timeline = page.Locator("#timeline tr");
        await Expect(timeline).ToHaveCountAsync(2);
        await Expect(timeline.Nth(0)).ToContainTextAsync("MakeOffer");
        await Expect(timeline.Nth(1)).ToContainTextAsync("CounterOffer");
        await Expect(timeline.Nth(1)).ToContainTextAsync(seller.Id.ToString());
        await Expect(page.Locator("#offer-diagram svg g.state.current")).ToHaveAttributeAsync("data-state", "Countered");
        await Expect(page.Locator("#timeout tr[data-field=status] td")).ToHaveTextAsync("pending");
        await Screenshot(page, "support-offer-countered");

        // Force the expiry, with a reason; it lands in the timeline and the diagram moves.
        await page.GetByRole(AriaRole.Button, new() { Name = "Force expiry" }).ClickAsync();
        await Expect(page.Locator("#message")).ToContainTextAsync("Write the reason first");
        await page.GetByLabel("Reason").FillAsync("Seller is on holiday, buyer agreed (ticket 981)");
        await page.GetByRole(AriaRole.Button, new() { Name = "Force expiry" }).ClickAsync();
        await Expect(page.Locator("#offer-state")).ToHaveTextAsync("Expired");
        await Expect(timeline).ToHaveCountAsync(3);
        await Expect(timeline.Nth(2)).ToContainTextAsync("ExpireOffer");
        await Expect(timeline.Nth(2)).ToContainTextAsync("Seller is on holiday, buyer agreed (ticket 981)");
        await Expect(page.Locator("#offer-diagram svg g.state.current")).ToHaveAttributeAsync("data-state", "Expired");
        await Screenshot(page, "support-offer-expired");

        // A closed offer: the saga's 409 is shown as it is.
        await page.GetByLabel("Reason").FillAsync("once more");
        await page.GetByRole(AriaRole.Button, new() { Name = "Re-arm timeout" }).ClickAsync();
        await Expect(page.Locator("#message")).ToContainTextAsync("409 offer_expired");

        // The same offer by user id and by product id.
        await page.GetByLabel("Find offers by").SelectOptionAsync("user");
        await page.GetByRole(AriaRole.Textbox, new() { Name = "Id", Exact = true }).FillAsync(buyer.Id.ToString());
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await Expect(page.Locator("#list-rows tr")).ToHaveCountAsync(1);
        await Expect(page.Locator("#list-rows tr")).ToContainTextAsync("Expired");
        await page.GetByLabel("Find offers by").SelectOptionAsync("product");
        await page.GetByRole(AriaRole.Textbox, new() { Name = "Id", Exact = true }).FillAsync(product.Id.ToString());
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { NameRegex = new Regex("^Offers on product") })).ToContainTextAsync("(1)");
        await page.GetByRole(AriaRole.Link, new() { Name = id.ToString() }).ClickAsync();
        await Expect(page.Locator("#offer-state")).ToHaveTextAsync("Expired");

        // The whole machine.
        await page.GetByRole(AriaRole.Button, new() { Name = "State machine" }).ClickAsync();
        await Expect(page.Locator("#machine-diagram svg g.state[data-state=Pending]")).ToBeVisibleAsync();
        await Expect(page.Locator("#machine-diagram svg path.transition")).Not.ToHaveCountAsync(0);
        await Screenshot(page, "support-state-machine");
    }

    [Fact]
    public async Task Should_list_stuck_offers_with_their_reason()
    {
        var (email, password) = await SupportAccountAsync();
        var (_, _, _, id) = await system.OpenOfferAsync();
        await using (var db = system.NewDbContext())
        {
            // An open offer whose expiry passed long ago and whose timeout row is gone: stuck, for two reasons.
            var offer = await db.Offers.FindAsync(id);
            offer!.ExpiresAt = DateTime.UtcNow.AddHours(-2);
            offer.UpdatedAt = DateTime.UtcNow.AddHours(-2);
            offer.ExpirationTokenId = Guid.NewGuid();
            await db.SaveChangesAsync();
        }

        var page = await SignedInPageAsync(email, password);
        var row = page.Locator("#list-rows tr", new() { HasText = id.ToString() });
        await Expect(row).ToContainTextAsync("expiry_overdue");
        await Expect(row).ToContainTextAsync("timeout_missing");
        await Screenshot(page, "support-stuck-offers");
        await row.GetByRole(AriaRole.Link).ClickAsync();
        await Expect(page.Locator("#offer-stuck")).ToContainTextAsync("Re-arm it");
    }

    [Fact]
    public async Task Should_turn_away_an_account_without_the_support_role()
    {
        var email = $"{Guid.NewGuid():N}@example.test";
        var (status, _) = await system.Anonymous(HttpMethod.Post, "/api/v1/auth/register", new { email, password = "just a user", display_name = "Bob" });
        Assert.Equal(HttpStatusCode.Created, status);

        var page = await SignedInPageAsync(email, "just a user");
        await Expect(page.Locator("#sign-in-error")).ToHaveTextAsync("This account has no support access.");
        await Expect(page.Locator("#console")).ToBeHiddenAsync();
    }

    // Into TestResults/screenshots (git-ignored); the copies in docs/screenshots/ are refreshed from there by hand.
    static Task Screenshot(IPage page, string name) => page.ScreenshotAsync(new PageScreenshotOptions
    {
        Path = Path.Combine(TestEnvironment.ResultsFolder("screenshots"), name + ".png"),
        FullPage = true
    });
}
