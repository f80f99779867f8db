using System.Net;
using Microsoft.EntityFrameworkCore;
using SoukLoop.Persistence.Model;

namespace SoukLoop.IntegrationTests.Support;

[Collection(SupportCollection.Name)]
public class When_a_message_faults(SupportFixture system)
{
    [Fact]
    public async Task Should_show_the_fault_on_its_offer_and_apply_the_message_once_support_redrives_it()
    {
        var (seller, buyer, product, id) = await system.OpenOfferAsync();
        var support = await system.CreateSupportUserAsync();

        // Break a precondition the saga relies on: the offer's conversation disappears, so writing the counter's
        // message into it violates its foreign key on every retry.
        Conversation conversation;
        await using (var db = system.NewDbContext())
        {
            var offer = await db.Offers.AsNoTracking().SingleAsync(o => o.CorrelationId == id);
            conversation = await db.Conversations.AsNoTracking().SingleAsync(c => c.Id == offer.ConversationId);
            await db.Conversations.Where(c => c.Id == conversation.Id).ExecuteDeleteAsync();
        }

        var (status, problem) = await seller.Move(id, "counter", new { counter_price = 80m });
        // The fault reaches the caller when retries end inside the bounded wait; on a slow machine the wait ends
        // first and the caller gets the usual 202 "processing". Either way nothing is applied.
        Assert.True((status, problem.Code()) == (HttpStatusCode.ServiceUnavailable, "offer_processing_failed")
            || status == HttpStatusCode.Accepted, $"{(int)status} {problem}");

        // Until the fault is final its redeliveries still run: fixing the precondition earlier would let one of them apply it.
        var (_, detail) = await OfferApi.Eventually(() => support.Get($"/api/v1/support/offers/{id}"),
            r => r.Body.Items("faults").Any(f => f.GetProperty("final").GetBoolean()), OfferApi.Applied);
        var fault = Assert.Single(detail.Items("faults"));
        Assert.Equal("urn:message:SoukLoop.Contracts:CounterOffer", fault.Str("message_type"));
        Assert.EndsWith("/offer-state", fault.Str("destination"));
        Assert.Equal(id.ToString(), fault.Str("correlation_id"));
        // The root cause, with the whole chain in the stack trace.
        Assert.Equal("Npgsql.PostgresException", fault.Str("exception_type"));
        Assert.Contains("foreign key", fault.Str("exception_message"));
        Assert.Contains("DbUpdateException", fault.Str("stack_trace"));
        var body = System.Text.Json.JsonDocument.Parse(fault.Str("message_body")!).RootElement;
        Assert.Equal((id, 80m), (body.GetProperty("offerId").GetGuid(), decimal.Parse(body.GetProperty("counterPrice").ToString(), System.Globalization.CultureInfo.InvariantCulture)));
        Assert.False(fault.GetProperty("resolved").GetBoolean());
        Assert.Equal("Pending", detail.GetProperty("saga").Str("state"));
        Assert.Contains(detail.Items("stuck_reasons"), r => r.Str("code") == "unresolved_fault");
        var (_, stuck) = await support.Get($"/api/v1/support/offers?stuck=true&product_id={product.Id}");
        Assert.Contains(stuck.Items("items"), o => o.GetProperty("id").GetGuid() == id
            && o.Items("stuck_reasons").Any(r => r.Str("code") == "unresolved_fault"));

        // Fix the precondition, then re-drive.
        await using (var db = system.NewDbContext())
        {
            db.Conversations.Add(conversation);
            await db.SaveChangesAsync();
        }
        var faultId = fault.GetProperty("id").GetGuid();
        (status, var redriven) = await support.Post($"/api/v1/support/faults/{faultId}/redrive", new { reason = "Conversation restored from backup" });
        Assert.True(status == HttpStatusCode.OK, $"{(int)status} {redriven}");
        Assert.EndsWith("offer-state", redriven.Str("redriven_to"));
        Assert.Equal(support.Id.ToString(), redriven.GetProperty("fault").Str("redriven_by"));

        (_, detail) = await OfferApi.Eventually(() => support.Get($"/api/v1/support/offers/{id}"),
            r => r.Body.GetProperty("saga").Str("state") == "Countered", TimeSpan.FromSeconds(20));
        Assert.Equal("Countered", detail.GetProperty("saga").Str("state"));
        Assert.Equal(80m, detail.GetProperty("saga").GetProperty("counter_price").GetDecimal());
        var timeline = detail.Items("timeline").ToList();
        var redrive = Assert.Single(timeline, e => e.Str("action") == "SupportRedrive");
        Assert.Equal((support.Id.ToString(), "Conversation restored from backup"), (redrive.Str("actor_id"), redrive.Str("detail")));
        var counter = Assert.Single(timeline, e => e.Str("action") == "CounterOffer");
        Assert.Equal(("Pending", "Countered", seller.Id.ToString()), (counter.Str("state_before"), counter.Str("state_after"), counter.Str("actor_id")));
        Assert.True(timeline.IndexOf(redrive) < timeline.IndexOf(counter));
        var resolved = Assert.Single(detail.Items("faults"));
        Assert.True(resolved.GetProperty("resolved").GetBoolean());
        Assert.Equal("Conversation restored from backup", resolved.Str("redrive_reason"));
        Assert.DoesNotContain(detail.Items("stuck_reasons"), r => r.Str("code") == "unresolved_fault");

        // The buyer sees the counter like any other.
        var (_, seen) = await buyer.Send(HttpMethod.Get, $"/api/v1/offers/{id}");
        Assert.Equal("countered", seen.Status());

        // A fault is re-driven once.
        (status, problem) = await support.Post($"/api/v1/support/faults/{faultId}/redrive", new { reason = "again" });
        Assert.Equal((HttpStatusCode.Conflict, "fault_already_redriven"), (status, problem.Code()));
    }
}
