using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace SoukLoop.IntegrationTests;

/// <summary>The offer routes as a mobile app calls them.</summary>
public static class OfferApi
{
    public static async Task<(HttpStatusCode Status, JsonElement Body)> Send(this TestUser user, HttpMethod method, string path, object? body = null)
    {
        using var response = await user.System.Client.SendAsync(user.Request(method, path, body));
        var text = await response.Content.ReadAsStringAsync();
        var json = string.IsNullOrEmpty(text) ? default : JsonDocument.Parse(text).RootElement.Clone();
        return (response.StatusCode, json);
    }

    /// <summary>Makes an offer as the app does: 201 with the offer, or 202 and then the offer from its location once applied.</summary>
    public static async Task<JsonElement> MakeOffer(this TestUser buyer, Guid productId, decimal price)
    {
        var (status, body) = await buyer.Settled(await buyer.Send(HttpMethod.Post, "/api/v1/offers", new { product_id = productId, offered_price = price }));
        Assert.True(status is HttpStatusCode.Created or HttpStatusCode.OK, $"make offer: {(int)status} {body}");
        return body;
    }

    /// <summary>
    /// A 202's location, polled until it answers something else than 404 or "processing" (API.md "Conventions": a 202 is
    /// queued and shows at its location once applied). Bounded by <see cref="Applied"/>.
    /// </summary>
    public static Task<(HttpStatusCode Status, JsonElement Body)> FollowLocation(this TestUser user, JsonElement pending) =>
        Eventually(() => user.Send(HttpMethod.Get, pending.GetProperty("location").GetString()!),
            r => r.Status != HttpStatusCode.NotFound && !(r.Body.ValueKind == JsonValueKind.Object && r.Body.TryGetProperty("status", out var s)
                && s.GetString() == "processing"), Applied);

    /// <summary>
    /// A command's answer as the app settles it: a 202 is followed to its location until it shows (<see cref="FollowLocation"/>),
    /// and the location's answer stands in for it; any other answer is returned as it is.
    /// </summary>
    public static async Task<(HttpStatusCode Status, JsonElement Body)> Settled(this TestUser user, (HttpStatusCode Status, JsonElement Body) answer) =>
        answer.Status == HttpStatusCode.Accepted ? await user.FollowLocation(answer.Body) : answer;

    /// <summary>How long a test waits for a queued command to show (a loaded 2-core machine, a cold Workers process).</summary>
    public static readonly TimeSpan Applied = TimeSpan.FromSeconds(90);

    public static Task<(HttpStatusCode Status, JsonElement Body)> Move(this TestUser user, Guid offerId, string action, object? body = null) =>
        user.Send(HttpMethod.Patch, $"/api/v1/offers/{offerId}/{action}", body ?? new { });

    /// <summary>
    /// A move as the app sees it: 200 with the offer, 4xx, or 202 and then the offer from its location once
    /// <paramref name="applied"/> holds (then answered as 200).
    /// </summary>
    public static async Task<(HttpStatusCode Status, JsonElement Body)> MoveApplied(this TestUser user, Guid offerId, string action,
        Func<JsonElement, bool> applied, object? body = null)
    {
        var result = await user.Move(offerId, action, body);
        if (result.Status != HttpStatusCode.Accepted)
            return result;
        return await Eventually(() => user.Send(HttpMethod.Get, $"/api/v1/offers/{offerId}"),
            r => r.Status == HttpStatusCode.OK && applied(r.Body), Applied);
    }

    public static Guid Id(this JsonElement offer) => offer.GetProperty("id").GetGuid();
    public static string Status(this JsonElement offer) => offer.GetProperty("status").GetString()!;
    public static string? Code(this JsonElement problem) => problem.TryGetProperty("code", out var c) ? c.GetString() : null;

    /// <summary>Polls until the condition holds: for effects that arrive on their own (timeouts, other sagas).</summary>
    public static async Task<T> Eventually<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await probe();
            if (done(value) || DateTime.UtcNow > deadline)
                return value;
            await Task.Delay(100);
        }
    }
}
