extern alias realtime;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using SoukLoop.Persistence.Model;

namespace SoukLoop.IntegrationTests.Support;

/// <summary>
/// The whole system for the support tests: the Api on a real Kestrel socket (a browser must reach it), short stuck
/// thresholds, an in-memory trace exporter in the Api so a test can read the REST call's span, and a Realtime node in
/// this process (its consume and push spans reach the same exporter: listeners see every activity in the process).
/// </summary>
public class SupportFixture : SystemFixture
{
    WebApplicationFactory<realtime::SoukLoop.Realtime.Hubs.RealtimeHub>? _realtime;

    protected override bool ApiOnKestrel => true;

    public SpanLog ApiSpans { get; } = new();

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var prefix = $"it-{VirtualHost}";
        _realtime = new WebApplicationFactory<realtime::SoukLoop.Realtime.Hubs.RealtimeHub>().WithWebHostBuilder(b =>
        {
            b.UseEnvironment("Development");
            foreach (var (key, value) in Settings())
                b.UseSetting(key, value);
            b.UseSetting("Realtime:RedisKeyPrefix", prefix + ":");
            b.UseSetting("Realtime:BackplaneChannelPrefix", prefix);
        });
        // Ready (bus connected, consumers bound) before any test publishes an event.
        var client = _realtime.CreateClient();
        var status = await OfferApi.Eventually(async () =>
        {
            using var ready = await client.GetAsync("/health/ready");
            return ready.StatusCode;
        }, s => s == HttpStatusCode.OK, TimeSpan.FromSeconds(90));
        if (status != HttpStatusCode.OK)
            throw new TimeoutException($"The in-process Realtime node answered /health/ready {(int)status} for 90 s.");
    }

    public override async Task DisposeAsync()
    {
        if (_realtime != null)
            await _realtime.DisposeAsync();
        await base.DisposeAsync();
    }

    /// <summary>Quick redeliveries (the documented Messaging:RedeliveryIntervals), so a fault becomes final within a test.</summary>
    protected override IEnumerable<(string Key, string Value)> ExtraSettings() =>
    [
        ("Messaging:RedeliveryIntervals:0", "00:00:00.500"),
        ("Messaging:RedeliveryIntervals:1", "00:00:00.500")
    ];

    protected override IEnumerable<(string Key, string Value)> ApiSettings() =>
    [
        ("Support:StuckGrace", "00:00:01"),
        ("Support:OutboxThreshold", "00:00:02")
    ];

    protected override void ConfigureApiServices(IServiceCollection services) =>
        services.ConfigureOpenTelemetryTracerProvider(b => b.AddInMemoryExporter(ApiSpans));

    public Task<TestUser> CreateSupportUserAsync() => CreateUserAsync(Roles.Support);
}

[CollectionDefinition(Name)]
public class SupportCollection : ICollectionFixture<SupportFixture>
{
    public const string Name = "Support";
}

public static class SupportApi
{
    public static Task<(HttpStatusCode Status, JsonElement Body)> Get(this TestUser user, string path) => user.Send(HttpMethod.Get, path);

    public static Task<(HttpStatusCode Status, JsonElement Body)> Post(this TestUser user, string path, object? body) =>
        user.Send(HttpMethod.Post, path, body);

    /// <summary>
    /// A support action on an offer as the console does it: 200 with the offer's detail, or 202 (queued past
    /// <c>Support:ResponseTimeout</c>) and then its location, the offer's detail, until the timeline shows
    /// <paramref name="timelineAction"/> (answered as 200). Any other answer is returned as it is.
    /// </summary>
    public static async Task<(HttpStatusCode Status, JsonElement Body)> Act(this TestUser support, Guid offerId, string action, string reason,
        string timelineAction)
    {
        var answer = await support.Post($"/api/v1/support/offers/{offerId}/{action}", new { reason });
        if (answer.Status != HttpStatusCode.Accepted)
            return answer;
        var location = answer.Body.GetProperty("location").GetString()!;
        return await OfferApi.Eventually(() => support.Get(location),
            r => r.Status == HttpStatusCode.OK && r.Body.Items("timeline").Any(e => e.Str("action") == timelineAction && e.Str("detail") == reason),
            OfferApi.Applied);
    }

    public static async Task<(HttpStatusCode Status, JsonElement Body)> Anonymous(this SystemFixture system, HttpMethod method, string path,
        object? body = null, string? token = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (token != null)
            request.Headers.Authorization = new("Bearer", token);
        if (body != null)
            request.Content = new StringContent(JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json");
        using var response = await system.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, string.IsNullOrEmpty(text) ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>An open offer: a seller, a buyer, a product at 100 and an offer at 50.</summary>
    public static async Task<(TestUser Seller, TestUser Buyer, Product Product, Guid OfferId)> OpenOfferAsync(this SystemFixture system)
    {
        var seller = await system.CreateUserAsync();
        var buyer = await system.CreateUserAsync();
        var product = await system.CreateProductAsync(seller, 100m);
        var offer = await buyer.MakeOffer(product.Id, 50m);
        return (seller, buyer, product, offer.Id());
    }

    public static IEnumerable<JsonElement> Items(this JsonElement body, string property) => body.GetProperty(property).EnumerateArray();

    public static string? Str(this JsonElement body, string property) =>
        body.TryGetProperty(property, out var value) && value.ValueKind != JsonValueKind.Null ? value.ToString() : null;
}
