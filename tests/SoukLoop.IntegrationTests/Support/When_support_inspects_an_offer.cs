using System.Diagnostics;
using System.Net;
using Microsoft.EntityFrameworkCore;

namespace SoukLoop.IntegrationTests.Support;

[Collection(SupportCollection.Name)]
public class When_support_inspects_an_offer(SupportFixture system)
{
    [Fact]
    public async Task Should_show_the_saga_as_stored_its_timeout_and_its_timeline()
    {
        var (seller, buyer, product, id) = await system.OpenOfferAsync();
        var (status, _) = await seller.MoveApplied(id, "counter", o => o.Status() == "countered", new { counter_price = 90m });
        Assert.Equal(HttpStatusCode.OK, status);
        var support = await system.CreateSupportUserAsync();

        (status, var detail) = await support.Get($"/api/v1/support/offers/{id}");

        Assert.Equal(HttpStatusCode.OK, status);
        var saga = detail.GetProperty("saga");
        Assert.Equal("Countered", saga.Str("state"));
        Assert.Equal(2, saga.GetProperty("version").GetInt32());
        Assert.Equal(product.Id, saga.GetProperty("product_id").GetGuid());
        Assert.Equal(buyer.Id, saga.GetProperty("buyer_id").GetGuid());
        Assert.Equal(90m, saga.GetProperty("seller_price").GetDecimal());
        Assert.Equal(2, saga.GetProperty("round").GetInt32());

        var timeout = detail.GetProperty("scheduled_timeout");
        Assert.Equal(saga.Str("expiration_token_id"), timeout.Str("token_id"));
        Assert.Equal("pending", timeout.Str("status"));
        Assert.Null(timeout.Str("fired_at"));
        Assert.Null(timeout.Str("cancelled_at"));
        Assert.Equal(DateTime.Parse(saga.Str("expires_at")!).ToUniversalTime(), DateTime.Parse(timeout.Str("due_at")!).ToUniversalTime(),
            TimeSpan.FromMilliseconds(1));
        // The first timeout is cancelled when the counter re-arms the expiry (the scheduler consumes the cancel shortly after).
        var (_, later) = await OfferApi.Eventually(() => support.Get($"/api/v1/support/offers/{id}"),
            r => r.Body.Items("timeouts").Any(t => t.Str("status") == "cancelled"), TimeSpan.FromSeconds(20));
        Assert.Contains(later.Items("timeouts"), t => t.Str("status") == "cancelled" && !t.GetProperty("current").GetBoolean());

        var timeline = detail.Items("timeline").ToList();
        Assert.Equal(["MakeOffer", "CounterOffer"], timeline.Select(e => e.Str("action")));
        Assert.Equal(("Initial", "Pending", buyer.Id.ToString()), (timeline[0].Str("state_before"), timeline[0].Str("state_after"), timeline[0].Str("actor_id")));
        Assert.Equal(("Pending", "Countered", seller.Id.ToString()), (timeline[1].Str("state_before"), timeline[1].Str("state_after"), timeline[1].Str("actor_id")));
        Assert.All(timeline, e =>
        {
            Assert.NotNull(e.Str("at"));
            Assert.NotNull(e.Str("message_id"));
            Assert.NotNull(e.Str("correlation_id"));
            Assert.Matches("^[0-9a-f]{32}$", e.Str("trace_id")!);
        });
        Assert.Empty(detail.Items("faults"));
        // The saga answered once its outbox started delivering; the rest of the batch follows at once.
        (_, later) = await OfferApi.Eventually(() => support.Get($"/api/v1/support/offers/{id}"),
            r => !r.Body.Items("outbox").Any(), TimeSpan.FromSeconds(20));
        Assert.Empty(later.Items("outbox"));
        Assert.Empty(detail.Items("stuck_reasons"));
        Assert.Equal("/api/v1/support/offers/state-machine.svg?highlight=Countered", detail.Str("state_machine"));
    }

    [Fact]
    public async Task Should_answer_404_offer_not_found_for_an_unknown_offer()
    {
        var support = await system.CreateSupportUserAsync();
        var (status, problem) = await support.Get($"/api/v1/support/offers/{Guid.NewGuid()}");
        Assert.Equal((HttpStatusCode.NotFound, "offer_not_found"), (status, problem.Code()));
    }

    [Fact]
    public async Task Should_list_offers_by_buyer_seller_user_product_state_and_time_with_paging()
    {
        var (seller, buyer, product, first) = await system.OpenOfferAsync();
        var other = await system.CreateUserAsync();
        var second = (await other.MakeOffer(product.Id, 60m)).Id();
        await other.Move(second, "withdraw");
        var support = await system.CreateSupportUserAsync();

        async Task<List<Guid>> Ids(string query)
        {
            var (status, page) = await support.Get($"/api/v1/support/offers?{query}");
            Assert.True(status == HttpStatusCode.OK, $"{query}: {(int)status} {page}");
            return page.Items("items").Select(i => i.GetProperty("id").GetGuid()).ToList();
        }

        Assert.Equal([first], await Ids($"buyer_id={buyer.Id}"));
        Assert.Equal([second], await Ids($"user_id={other.Id}"));
        Assert.Equal([second, first], await Ids($"seller_id={seller.Id}"));
        Assert.Equal([second, first], await Ids($"product_id={product.Id}"));
        Assert.Equal([second], await Ids($"product_id={product.Id}&state=withdrawn"));
        Assert.Equal([first], await Ids($"product_id={product.Id}&state=open"));
        Assert.Equal([first], await Ids($"product_id={product.Id}&state=Pending"));
        Assert.Empty(await Ids($"product_id={product.Id}&from={Uri.EscapeDataString(DateTime.UtcNow.AddMinutes(1).ToString("O"))}"));
        Assert.Equal(2, (await Ids($"product_id={product.Id}&from=2020-01-01T00:00:00Z&to={Uri.EscapeDataString(DateTime.UtcNow.AddMinutes(1).ToString("O"))}")).Count);
        Assert.Empty(await Ids($"product_id={product.Id}&stuck=true"));

        var (_, paged) = await support.Get($"/api/v1/support/offers?product_id={product.Id}&page=2&per_page=1");
        Assert.Equal((2, 1, 2), (paged.GetProperty("page").GetInt32(), paged.GetProperty("per_page").GetInt32(), paged.GetProperty("total").GetInt32()));
        Assert.Equal(first, Assert.Single(paged.Items("items")).GetProperty("id").GetGuid());

        foreach (var bad in new[] { "state=lost", "per_page=101", "page=0", "from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z" })
        {
            var (status, problem) = await support.Get($"/api/v1/support/offers?{bad}");
            Assert.True((status, problem.Code()) == (HttpStatusCode.BadRequest, "validation_failed"), $"{bad}: {(int)status} {problem}");
        }
    }

    [Fact]
    public async Task Should_follow_one_offer_with_one_trace_id_from_the_rest_call_through_the_saga_to_the_signalr_push()
    {
        var seller = await system.CreateUserAsync();
        var buyer = await system.CreateUserAsync();
        var product = await system.CreateProductAsync(seller, 100m);

        var id = (await buyer.MakeOffer(product.Id, 50m)).Id();

        var span = system.ApiSpans.Snapshot().LastOrDefault(a => a.Kind == ActivityKind.Server && a.DisplayName.StartsWith("POST")
            && (a.GetTagItem("http.route") as string)?.Contains("offers") == true);
        Assert.NotNull(span);
        var traceId = span.TraceId.ToHexString();

        // The saga (Workers process) recorded the move under the REST call's trace.
        await using var db = system.NewDbContext();
        var made = await db.OfferTimeline.AsNoTracking().SingleAsync(e => e.OfferId == id && e.Action == "MakeOffer");
        Assert.Equal(traceId, made.TraceId);
        var support = await system.CreateSupportUserAsync();
        var (_, detail) = await support.Get($"/api/v1/support/offers/{id}");
        Assert.Equal(traceId, detail.Items("timeline").Single().Str("trace_id"));

        // The Realtime node consumed the saga's OfferMade and pushed offer:new to the seller in that same trace.
        var pushes = await OfferApi.Eventually(() => Task.FromResult(SpansOf(traceId)),
            spans => spans.Any(a => a.DisplayName == "signalr.push offer:new"), TimeSpan.FromSeconds(20));
        var push = Assert.Single(pushes, a => a.DisplayName == "signalr.push offer:new");
        var consume = Assert.Single(pushes, a => a.SpanId == push.ParentSpanId);
        Assert.Equal(ActivityKind.Consumer, consume.Kind);
        Assert.Contains("realtime-offer-made", consume.DisplayName);

        // The trace as the test saw it, for humans: TestResults/traces/offer-<id>.txt.
        var lines = pushes.OrderBy(a => a.StartTimeUtc).Select(a =>
            $"{a.StartTimeUtc:O} {a.Source.Name,-18} {a.Kind,-8} trace {a.TraceId} span {a.SpanId} parent {a.ParentSpanId} {a.DisplayName}")
            .Prepend($"{made.At:O} Workers (saga)     timeline trace {made.TraceId} MakeOffer {made.StateBefore} -> {made.StateAfter}");
        await File.WriteAllLinesAsync(Path.Combine(TestEnvironment.ResultsFolder("traces"), $"offer-{id}.txt"), lines);
    }

    List<Activity> SpansOf(string traceId) => system.ApiSpans.Snapshot().Where(a => a.TraceId.ToHexString() == traceId).ToList();

    [Fact]
    public async Task Should_export_metrics_from_the_api()
    {
        await system.Client.GetAsync("/api/v1/nothing");
        using var response = await system.Client.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("http_server_request_duration_seconds", text);
        Assert.Contains("dotnet_", text);
    }
}
