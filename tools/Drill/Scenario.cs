using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace SoukLoop.Drill;

/// <summary>A registered user of the drill: its token, its device's hub connection and the conversations it is in.</summary>
public sealed class DrillUser(Guid id, string email, string token)
{
    public Guid Id => id;
    public string Email => email;
    public string Token => token;
    public HubClient? Hub { get; set; }
    public ConcurrentDictionary<Guid, byte> Conversations { get; } = new();
    public int ReconnectSyncs;
}

/// <summary>Counts of what the deals did, for the report.</summary>
public sealed class DealStats
{
    public int Deals, DealsCompleted, DealsAbandoned, DealsCancelled, Accepted, PaymentIntents, Paid, NoIntentWithin, Followed202, Unconfirmed202;
}

/// <summary>
/// The virtual clients: sellers list products, several buyers make offers, the seller counters, the buyer counters back, the
/// seller declines one buyer and accepts another, the buyer pays (the Stripe stand-in's test hook, whose signed webhook goes to
/// the Api), and both sides chat over REST and over the hub meanwhile. A refused step (4xx after retries) ends the deal.
/// </summary>
public sealed class Scenario(ApiClient api, CommandLedger ledger, DrillOptions options, HttpClient http, ILogger<Scenario> logger,
    ILoggerFactory loggers)
{
    static readonly TimeSpan FollowFor = TimeSpan.FromSeconds(90);
    static readonly TimeSpan ResyncWithin = TimeSpan.FromSeconds(60);
    readonly ConcurrentBag<DrillUser> _users = [];

    public DealStats Stats { get; } = new();
    public IReadOnlyCollection<DrillUser> Users => _users;

    public async Task<DrillUser> RegisterAsync(string role, bool withHub, CancellationToken ct)
    {
        var email = $"drill-{role}-{Guid.NewGuid():N}@example.com";
        var body = new { email, password = "drill-password-1", display_name = $"Drill {role}" };
        var record = ledger.Begin(CommandKinds.Register, "/api/v1/auth/register", Guid.Empty, expect: email);
        var answer = await api.CommandAsync(record, null, HttpMethod.Post, body, ct);
        // Registration is anonymous (no Idempotency-Key): a retry after a lost answer finds the account taken; the app signs in.
        if (answer is { Status: 409, Code: "email_taken" } && record.Attempts > 1)
            answer = await LoginAsync(email, ct);
        if (!answer.Ok)
            throw new InvalidOperationException($"register {email}: {answer.Status} {answer.Body?.ToJsonString()}");
        var user = new DrillUser(Guid.Parse((string)answer.Body!["user"]!["id"]!), email, (string)answer.Body!["access_token"]!);
        if (withHub)
        {
            user.Hub = new HubClient(options.RealtimeUrl, user.Token, loggers.CreateLogger($"SoukLoop.Drill.Hub"));
            user.Hub.Reconnected += () => ResyncAsync(user);
            await user.Hub.StartAsync();
        }
        _users.Add(user);
        return user;
    }

    Task<ApiAnswer> LoginAsync(string email, CancellationToken ct)
    {
        var record = ledger.Begin("login", "/api/v1/auth/login", Guid.Empty, expect: email);
        return api.CommandAsync(record, null, HttpMethod.Post, new { email, password = "drill-password-1" }, ct);
    }

    /// <summary>What the app does after its connection came back: read its conversations over REST (API.md "Realtime").</summary>
    async Task ResyncAsync(DrillUser user)
    {
        Interlocked.Increment(ref user.ReconnectSyncs);
        // Bounded as a whole: HubClient awaits it in its reconnect and restart handlers, where a stuck read would hold the connection.
        using var within = new CancellationTokenSource(ResyncWithin);
        try
        {
            foreach (var conversation in user.Conversations.Keys)
                await api.TryOnceAsync(user.Token, HttpMethod.Get, $"/api/v1/conversations/{conversation}/messages?limit=100", null, within.Token);
        }
        catch (OperationCanceledException)
        {
            logger.LogWarning("re-reading {User}'s conversations after a reconnect took longer than {Within}; left for the checks", user.Id, ResyncWithin);
        }
    }

    /// <summary>
    /// One seller's deals, one after another, until <paramref name="stop"/>; the step under way finishes first unless
    /// <paramref name="abandon"/> (Drill:StopWithin after the stop) cancels it: every wait of a step takes that token.
    /// </summary>
    public async Task RunSellerAsync(DrillUser seller, IReadOnlyList<DrillUser> buyers, CancellationToken stop, CancellationToken abandon)
    {
        var deal = 0;
        while (!stop.IsCancellationRequested)
        {
            deal++;
            Interlocked.Increment(ref Stats.Deals);
            try
            {
                if (await DealAsync(seller, buyers, deal, stop, abandon))
                    Interlocked.Increment(ref Stats.DealsCompleted);
                else
                    Interlocked.Increment(ref Stats.DealsAbandoned);
            }
            catch (OperationCanceledException) when (abandon.IsCancellationRequested)
            {
                Interlocked.Increment(ref Stats.DealsCancelled);
                logger.LogWarning("deal {Deal} of {Seller}: its step was still waiting when Drill:StopWithin ran out; cancelled", deal, seller.Id);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Interlocked.Increment(ref Stats.DealsAbandoned);
                logger.LogWarning("deal {Deal} of {Seller}: {Error}", deal, seller.Id, ex.Message);
            }
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(200, 1500)), CancellationToken.None);
        }
    }

    async Task<bool> DealAsync(DrillUser seller, IReadOnlyList<DrillUser> buyers, int deal, CancellationToken stop, CancellationToken ct)
    {
        // 1. The listing.
        var title = $"drill {seller.Id:N} deal {deal}";
        var product = await CommandAsync(CommandKinds.Product, "/api/v1/products", seller, HttpMethod.Post,
            new { title, description = "fault drill", price = 100m, currency = "USD", feed = deal % 2 == 0 ? "discover" : "community" },
            target: null, expect: title, ct: ct);
        if (product.Status != 201)
            return false;
        var productId = Guid.Parse((string)product.Body!["id"]!);

        // 2. Every buyer makes an offer at once (a popular listing).
        var offers = await Task.WhenAll(buyers.Select((buyer, i) => MakeOfferAsync(buyer, productId, 60m + i, ct)));
        var open = buyers.Zip(offers).Where(p => p.Second != null).Select(p => (Buyer: p.First, Offer: p.Second!.Value)).ToList();
        if (open.Count == 0 || stop.IsCancellationRequested)
            return false;
        foreach (var (buyer, offer) in open)
        {
            buyer.Conversations.TryAdd(offer.ConversationId, 0);
            seller.Conversations.TryAdd(offer.ConversationId, 0);
        }

        // 3. Chat in the first buyer's conversation, REST and hub alternately.
        var (winner, winning) = open[0];
        for (var i = 0; i < options.MessagesPerDeal && !stop.IsCancellationRequested; i++)
        {
            await ChatAsync(winner, winning.ConversationId, viaHub: i % 2 == 1, ct);
            await ChatAsync(seller, winning.ConversationId, viaHub: i % 2 == 0, ct);
        }
        if (stop.IsCancellationRequested)
            return false;

        // 4. Seller counters at 90, buyer counters back at 80 (strictly between the two last prices).
        if (!await MoveAsync(CommandKinds.Counter, seller, winning.Id, "counter", 90m, o => JsonText.Of(o["status"]) == "countered", ct))
            return false;
        if (!await MoveAsync(CommandKinds.Counter, winner, winning.Id, "counter", 80m,
                o => JsonText.Of(o["status"]) == "pending" && (int?)o["round"] >= 3, ct))
            return false;

        // 5. Decline one other buyer on odd deals (the others are closed by the accept).
        if (deal % 2 == 1 && open.Count > 1)
            await MoveAsync(CommandKinds.Decline, seller, open[1].Offer.Id, "decline", null, o => JsonText.Of(o["status"]) == "declined", ct);

        // 6. Accept, then pay.
        if (!await MoveAsync(CommandKinds.Accept, seller, winning.Id, "accept", null, o => JsonText.Of(o["status"]) == "accepted" && o["transaction"] != null, ct))
            return false;
        Interlocked.Increment(ref Stats.Accepted);
        await PayAsync(winner, winning.Id, ct);
        return true;
    }

    record struct OfferRef(Guid Id, Guid ConversationId);

    async Task<OfferRef?> MakeOfferAsync(DrillUser buyer, Guid productId, decimal price, CancellationToken ct)
    {
        var answer = await CommandAsync(CommandKinds.Offer, "/api/v1/offers", buyer, HttpMethod.Post,
            new { product_id = productId, offered_price = price, message = "drill offer" }, target: productId, expect: price.ToString("0.00"), ct: ct);
        if (!answer.Ok)
            return null;
        var offer = answer.Status == 202 ? await FollowAsync(buyer, answer, o => o["conversation_id"] != null, ct) : answer.Body;
        return offer?["conversation_id"] is { } conversation
            ? new OfferRef(Guid.Parse((string)offer["id"]!), Guid.Parse((string)conversation!))
            : null;
    }

    async Task<bool> MoveAsync(string kind, DrillUser actor, Guid offerId, string move, decimal? price, Func<JsonNode, bool> applied,
        CancellationToken ct)
    {
        object body = price is { } p ? new { counter_price = p } : new { };
        var answer = await CommandAsync(kind, $"/api/v1/offers/{offerId}/{move}", actor, HttpMethod.Patch, body, offerId, price?.ToString("0.00"), ct: ct);
        if (!answer.Ok)
            return false;
        return answer.Status != 202 || await FollowAsync(actor, answer, applied, ct) != null;
    }

    async Task ChatAsync(DrillUser from, Guid conversationId, bool viaHub, CancellationToken ct)
    {
        var clientMessageId = $"drill-{Guid.NewGuid():N}";
        var content = $"drill message {clientMessageId}";
        if (viaHub && from.Hub is { Connected: true } hub)
        {
            var record = ledger.Begin(CommandKinds.MessageHub, "hub message:send", from.Id, clientMessageId: clientMessageId,
                target: conversationId, expect: content);
            record.Attempts = 1;
            var delivered = await hub.SendMessageAsync(conversationId, content, clientMessageId, TimeSpan.FromSeconds(10), ct);
            record.FinishedAt = DateTime.UtcNow;
            if (delivered is { } id)
            {
                record.Status = 201;
                record.ResultId = id;
                return;
            }
            // Not confirmed (error event, disconnect, timeout): the app sends it again over REST with the same client_message_id.
            record.Status = 0;
        }
        var answer = await CommandAsync(CommandKinds.MessageRest, $"/api/v1/conversations/{conversationId}/messages", from, HttpMethod.Post,
            new { message_type = "text", content, client_message_id = clientMessageId }, conversationId, content, clientMessageId, ct);
        if (answer.Status == 202)
            await FollowAsync(from, answer, m => m["id"] != null && m["conversation_id"] != null, ct);
    }

    async Task PayAsync(DrillUser buyer, Guid offerId, CancellationToken ct)
    {
        var offer = await api.GetAsync(buyer.Token, $"/api/v1/offers/{offerId}", ct);
        if (!Guid.TryParse(JsonText.Of(offer.Body?["transaction"]?["id"]), out var transactionId))
            return;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        string? intent = null;
        while (intent == null && DateTime.UtcNow < deadline)
        {
            var transaction = await api.TryOnceAsync(buyer.Token, HttpMethod.Get, $"/api/v1/transactions/{transactionId}", null, ct);
            intent = JsonText.Of(transaction.Body?["payment"]?["payment_intent_id"]);
            if (intent == null)
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
        }
        ct.ThrowIfCancellationRequested();
        if (intent == null)
        {
            Interlocked.Increment(ref Stats.NoIntentWithin);
            return;
        }
        Interlocked.Increment(ref Stats.PaymentIntents);
        // The buyer pays: the stand-in marks the intent succeeded and posts the signed payment_intent.succeeded webhook to the Api.
        for (var attempt = 0; attempt < 30; attempt++)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(TimeSpan.FromSeconds(30));
                using var paid = await http.PostAsync($"{options.StripeUrl}/_test/payment_intents/{intent}/succeed", null, timeout.Token);
                if ((int)paid.StatusCode is 200 or 404)
                    break;
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !ct.IsCancellationRequested)
            {
            }
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
        }
        var settled = await api.FollowAsync(buyer.Token, $"/api/v1/transactions/{transactionId}", t => JsonText.Of(t.Body?["status"]) == "paid",
            TimeSpan.FromSeconds(60), ct);
        if (JsonText.Of(settled.Body?["status"]) == "paid")
            Interlocked.Increment(ref Stats.Paid);
    }

    async Task<ApiAnswer> CommandAsync(string kind, string path, DrillUser actor, HttpMethod method, object body, Guid? target, string? expect,
        string? clientMessageId = null, CancellationToken ct = default)
    {
        var record = ledger.Begin(kind, path, actor.Id, Guid.NewGuid().ToString("N"), clientMessageId, target, expect);
        var answer = await api.CommandAsync(record, actor.Token, method, body, ct);
        if (!answer.Ok)
            logger.LogDebug("{Kind} {Path}: {Status} {Code}", kind, path, answer.Status, answer.Code);
        return answer;
    }

    async Task<JsonNode?> FollowAsync(DrillUser actor, ApiAnswer accepted, Func<JsonNode, bool> applied, CancellationToken ct)
    {
        Interlocked.Increment(ref Stats.Followed202);
        var location = JsonText.Of(accepted.Body?["location"]);
        if (location == null)
            return null;
        var answer = await api.FollowAsync(actor.Token, location, a => a.Status == 200 && applied(a.Body!), FollowFor, ct);
        ct.ThrowIfCancellationRequested();
        if (answer.Status == 200 && applied(answer.Body!))
            return answer.Body;
        Interlocked.Increment(ref Stats.Unconfirmed202);
        return null;
    }
}
