using System.Net;
using Microsoft.EntityFrameworkCore;

namespace SoukLoop.IntegrationTests.Support;

/// <summary>
/// A move answered 202 (or 503) whose command then faults for good must show at its location, <c>GET /offers/{id}</c>
/// (src/Api/README.md "Commands: 200 / 202 processing / failed"), and to support.
/// </summary>
[Collection(SupportCollection.Name)]
public class When_a_move_faults_for_good(SupportFixture system)
{
    [Fact]
    public async Task Should_show_the_failed_move_on_the_offer_until_the_offer_changes()
    {
        var (seller, buyer, _, id) = await system.OpenOfferAsync();
        var support = await system.CreateSupportUserAsync();

        // A real refusal by Postgres on every attempt: a trigger that raises for this one offer's updates.
        var refusal = await PostgresRefusal.Create(system, id, "offers", "UPDATE", $"OLD.id = '{id}'");
        try
        {
            var (status, answer) = await seller.Move(id, "accept");
            Assert.True(status == HttpStatusCode.Accepted || (status, answer.Code()) == (HttpStatusCode.ServiceUnavailable, "offer_processing_failed"),
                $"{(int)status} {answer}");

            // The location answers the offer as it is, with the move that failed, once its fault is final.
            var (seen, offer) = await OfferApi.Eventually(() => seller.Send(HttpMethod.Get, $"/api/v1/offers/{id}"),
                r => r.Body.ValueKind == System.Text.Json.JsonValueKind.Object && r.Body.TryGetProperty("failed_command", out _), OfferApi.Applied);
            Assert.True(seen == HttpStatusCode.OK, $"{(int)seen} {offer}");
            Assert.Equal("pending", offer.Status());
            var failed = offer.GetProperty("failed_command");
            Assert.Equal(("accept", "offer_processing_failed"), (failed.Str("command"), failed.Str("code")));
            Assert.False(string.IsNullOrWhiteSpace(failed.Str("detail")));
            Assert.True(failed.GetProperty("failed_at").GetDateTime() >= offer.GetProperty("updated_at").GetDateTime());
            // Both parties see it (the buyer learns the seller's accept did not happen); support sees the fault.
            var (_, forBuyer) = await buyer.Send(HttpMethod.Get, $"/api/v1/offers/{id}");
            Assert.Equal("accept", forBuyer.GetProperty("failed_command").Str("command"));
            var (_, faults) = await support.Get($"/api/v1/support/faults?correlation_id={id}&final=true");
            Assert.Contains(faults.Items("items"), f => f.Str("message_type") == "urn:message:SoukLoop.Contracts:AcceptOffer");
        }
        finally
        {
            await refusal.DisposeAsync();
        }

        // A later change of the offer supersedes the failure: the offer answers without it.
        var (moved, declined) = await seller.MoveApplied(id, "decline", o => o.Status() == "declined");
        Assert.True(moved == HttpStatusCode.OK && declined.Status() == "declined", $"{(int)moved} {declined}");
        Assert.False(declined.TryGetProperty("failed_command", out _), declined.ToString());
    }
}
