using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;

namespace SoukLoop.IntegrationTests.Support;

[Collection(SupportCollection.Name)]
public class When_support_acts_on_an_offer(SupportFixture system)
{
    static readonly System.Text.RegularExpressions.Regex ExpiredCount = new("souk_offers_outcomes_total\\{[^}]*outcome=\"expired\"[^}]*\\} [1-9]");

    [Fact]
    public async Task Should_expire_an_open_offer_through_the_saga_and_record_who_and_why()
    {
        var (seller, _, _, id) = await system.OpenOfferAsync();
        var support = await system.CreateSupportUserAsync();

        var (status, detail) = await support.Act(id, "expire", "Buyer asked by phone to cancel (ticket 42)", "ExpireOffer");

        Assert.True(status == HttpStatusCode.OK, $"{(int)status} {detail}");
        Assert.Equal("Expired", detail.GetProperty("saga").Str("state"));
        Assert.Null(detail.GetProperty("saga").Str("expires_at"));
        var entry = detail.Items("timeline").Last();
        Assert.Equal(("ExpireOffer", "Pending", "Expired"), (entry.Str("action"), entry.Str("state_before"), entry.Str("state_after")));
        Assert.Equal(support.Id.ToString(), entry.Str("actor_id"));
        Assert.Equal("Buyer asked by phone to cancel (ticket 42)", entry.Str("detail"));
        // Closing unschedules the timeout: the saga forgets its token, the row is cancelled.
        Assert.Equal(JsonValueKind.Null, detail.GetProperty("scheduled_timeout").ValueKind);
        Assert.Null(detail.GetProperty("saga").Str("expiration_token_id"));
        await using var db = system.NewDbContext();
        var rows = await OfferApi.Eventually(() => db.ScheduledMessages.AsNoTracking().Where(s => s.CorrelationId == id).ToListAsync(),
            r => r.Count == 1 && r[0].CancelledAt != null, TimeSpan.FromSeconds(10));
        Assert.NotNull(Assert.Single(rows).CancelledAt);

        // The parties see it like any expiry.
        var (_, offer) = await seller.Send(HttpMethod.Get, $"/api/v1/offers/{id}");
        Assert.Equal("expired", offer.Status());

        // Closed offers answer 409 from the saga, for both actions.
        (status, var problem) = await support.Post($"/api/v1/support/offers/{id}/expire", new { reason = "again" });
        Assert.Equal((HttpStatusCode.Conflict, "offer_expired"), (status, problem.Code()));
        (status, problem) = await support.Post($"/api/v1/support/offers/{id}/rearm", new { reason = "again" });
        Assert.Equal((HttpStatusCode.Conflict, "offer_expired"), (status, problem.Code()));

        // The outcome is counted once the move committed.
        using var http = new HttpClient();
        var metrics = await OfferApi.Eventually(() => http.GetStringAsync(new Uri(system.WorkersAddress, "/metrics")),
            text => ExpiredCount.IsMatch(text), TimeSpan.FromSeconds(15));
        Assert.Matches(ExpiredCount, metrics);
    }

    [Fact]
    public async Task Should_rearm_the_timeout_of_an_open_offer()
    {
        var (_, _, _, id) = await system.OpenOfferAsync();
        var support = await system.CreateSupportUserAsync();
        var (_, before) = await support.Get($"/api/v1/support/offers/{id}");
        var oldToken = before.GetProperty("saga").Str("expiration_token_id");

        var (status, detail) = await support.Act(id, "rearm", "Timeout lost in incident 7", "RearmOfferExpiry");

        Assert.True(status == HttpStatusCode.OK, $"{(int)status} {detail}");
        var saga = detail.GetProperty("saga");
        Assert.Equal("Pending", saga.Str("state"));
        Assert.NotEqual(oldToken, saga.Str("expiration_token_id"));
        var entry = detail.Items("timeline").Last();
        Assert.Equal(("RearmOfferExpiry", "Pending", "Pending"), (entry.Str("action"), entry.Str("state_before"), entry.Str("state_after")));
        Assert.Equal((support.Id.ToString(), "Timeout lost in incident 7"), (entry.Str("actor_id"), entry.Str("detail")));

        // The new timeout row is stored by the scheduler's consumer, the old one cancelled.
        await using var db = system.NewDbContext();
        var newToken = Guid.Parse(saga.Str("expiration_token_id")!);
        var row = await OfferApi.Eventually(() => db.ScheduledMessages.AsNoTracking().SingleOrDefaultAsync(s => s.TokenId == newToken),
            r => r != null, TimeSpan.FromSeconds(10));
        Assert.NotNull(row);
        Assert.Null(row.CancelledAt);
        var old = await OfferApi.Eventually(() => db.ScheduledMessages.AsNoTracking().SingleAsync(s => s.TokenId == Guid.Parse(oldToken!)),
            r => r.CancelledAt != null, TimeSpan.FromSeconds(10));
        Assert.NotNull(old.CancelledAt);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("x501")]
    public async Task Should_refuse_an_action_without_a_reason_of_1_to_500_characters(string? reason)
    {
        var (_, _, _, id) = await system.OpenOfferAsync();
        var support = await system.CreateSupportUserAsync();
        var text = reason == "x501" ? new string('x', 501) : reason;

        foreach (var action in new[] { "expire", "rearm" })
        {
            var (status, problem) = await support.Post($"/api/v1/support/offers/{id}/{action}", new { reason = text });
            Assert.Equal((HttpStatusCode.BadRequest, "validation_failed"), (status, problem.Code()));
            Assert.True(problem.GetProperty("errors").TryGetProperty("reason", out _));
        }
        var (faultStatus, faultProblem) = await support.Post($"/api/v1/support/faults/{Guid.NewGuid()}/redrive", new { reason = text });
        Assert.Equal((HttpStatusCode.BadRequest, "validation_failed"), (faultStatus, faultProblem.Code()));

        await using var db = system.NewDbContext();
        Assert.Equal("Pending", (await db.Offers.AsNoTracking().SingleAsync(o => o.CorrelationId == id)).CurrentState);
    }

    [Fact]
    public async Task Should_answer_404_for_an_unknown_offer_or_fault()
    {
        var support = await system.CreateSupportUserAsync();
        var (status, problem) = await support.Post($"/api/v1/support/offers/{Guid.NewGuid()}/expire", new { reason = "why not" });
        Assert.Equal((HttpStatusCode.NotFound, "offer_not_found"), (status, problem.Code()));
        (status, problem) = await support.Post($"/api/v1/support/offers/{Guid.NewGuid()}/rearm", new { reason = "why not" });
        Assert.Equal((HttpStatusCode.NotFound, "offer_not_found"), (status, problem.Code()));
        (status, problem) = await support.Post($"/api/v1/support/faults/{Guid.NewGuid()}/redrive", new { reason = "why not" });
        Assert.Equal((HttpStatusCode.NotFound, "fault_not_found"), (status, problem.Code()));
    }
}
