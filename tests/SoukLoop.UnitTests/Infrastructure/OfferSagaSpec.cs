using MassTransit;
using MassTransit.InMemoryTransport;
using MassTransit.Logging;
using MassTransit.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SoukLoop.Contracts;
using SoukLoop.Persistence;
using SoukLoop.Persistence.Model;
using SoukLoop.Workers.Offers;
using Xunit.Abstractions;

namespace SoukLoop.UnitTests.Infrastructure;

/// <summary>
/// The offer saga on MassTransit's test harness, one fresh service provider (bus, in-memory saga repository, delayed
/// message scheduler on the in-memory transport) per test; the activities work on the test class's Postgres database.
/// Every test starts with a seller, a buyer, a stranger, a support agent and one available 100.00 EUR community listing.
/// </summary>
public abstract class OfferSagaSpec(PostgresDatabase database, ITestOutputHelper output) : IAsyncLifetime
{
    protected static readonly TimeSpan ExpiresAfter = TimeSpan.FromHours(1);

    ServiceProvider _provider = null!;

    protected PostgresDatabase Database { get; } = database;
    protected BusLog Log { get; } = new();
    protected ITestHarness Harness { get; private set; } = null!;
    protected ISagaStateMachineTestHarness<OfferStateMachine, OfferState> SagaHarness { get; private set; } = null!;
    protected OfferStateMachine Machine => SagaHarness.StateMachine;

    protected User Seller { get; private set; } = null!;
    protected User Buyer { get; private set; } = null!;
    protected User Stranger { get; private set; } = null!;
    protected User Support { get; private set; } = null!;
    protected Product Product { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Seller = PostgresDatabase.NewUser("Seller");
        Buyer = PostgresDatabase.NewUser("Buyer");
        Stranger = PostgresDatabase.NewUser("Stranger");
        Support = PostgresDatabase.NewUser("Support", Roles.Support);
        Product = PostgresDatabase.NewProduct(Seller, 100m);
        await Database.SeedAsync(Seller, Buyer, Stranger, Support, Product);

        var services = new ServiceCollection();
        services.AddDbContext<SoukDbContext>(o => PersistenceExtensions.Configure(o, Database.ConnectionString));
        services.AddOptions<OfferOptions>().Configure(o => o.ExpiresAfter = ExpiresAfter);
        services.AddSingleton<OfferTimelineObserver>();
        services.AddScoped<OfferConversation>();
        services.Configure<TextWriterLoggerOptions>(o =>
        {
            o.LogLevel = LogLevel.Debug;
            o.Disable("Microsoft");
        });
        services.AddMassTransitTestHarness(new TestOutputWriter(output), x =>
        {
            // The harness's own lists stop waiting once the bus was idle for this long; the specs wait on BusLog instead.
            x.SetTestTimeouts(testTimeout: TimeSpan.FromSeconds(20), testInactivityTimeout: TimeSpan.FromMilliseconds(300));
            x.AddSagaStateMachine<OfferStateMachine, OfferState>();
            x.AddConsumer<CloseSoldOffersConsumer>();

            // The expiry is a state machine Schedule: the in-memory transport delays the message, and the test moves its
            // clock forward (IInMemoryDelayProvider.Advance) instead of waiting an hour.
            x.AddDelayedMessageScheduler();
            x.UsingInMemory((context, cfg) =>
            {
                cfg.UseDelayedMessageScheduler();
                cfg.ConfigureEndpoints(context);
            });
        });

        _provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = false });
        Harness = _provider.GetTestHarness();
        Harness.Bus.ConnectConsumeObserver(Log);
        Harness.Bus.ConnectPublishObserver(Log);
        Harness.Bus.ConnectSendObserver(Log);
        await Harness.Start();
        SagaHarness = Harness.GetSagaStateMachineHarness<OfferStateMachine, OfferState>();
    }

    public async Task DisposeAsync()
    {
        if (_provider != null)
        {
            await Harness.Stop();
            await _provider.DisposeAsync();
        }
    }

    // ---- commands and their answers ----

    /// <summary>Sends a request to the saga and waits until the saga has finished with it (state saved, timeline written).</summary>
    protected async Task<object> Ask<T>(T command) where T : class
    {
        var client = Harness.GetRequestClient<T>();
        Response<OfferStatus, OfferRejected, OfferNotFound> response = await client.GetResponse<OfferStatus, OfferRejected, OfferNotFound>(command);
        await Log.Finished(response.RequestId!.Value, typeof(T).Name);
        return response.Message;
    }

    protected async Task<OfferStatus> Applied<T>(T command) where T : class
    {
        var answer = await Ask(command);
        return Assert.IsType<OfferStatus>(answer);
    }

    protected async Task<OfferRejected> Rejected<T>(T command, Rejection expected) where T : class
    {
        var answer = await Ask(command);
        var rejected = Assert.IsType<OfferRejected>(answer);
        Assert.Equal((expected.Code, expected.HttpStatus), (rejected.Code, rejected.HttpStatus));
        Assert.Equal(OfferMoves.OfferIdOf(command), rejected.OfferId);
        return rejected;
    }

    protected async Task<OfferNotFound> NotFound<T>(T command) where T : class
    {
        var answer = await Ask(command);
        var notFound = Assert.IsType<OfferNotFound>(answer);
        Assert.Equal(OfferMoves.OfferIdOf(command), notFound.OfferId);
        return notFound;
    }

    /// <summary>Publishes a message nobody answers (the system's own commands) and waits until the saga consumed it.</summary>
    protected async Task Deliver<T>(T message) where T : class
    {
        var messageId = NewId.NextGuid();
        await Harness.Bus.Publish(message, ctx => ctx.MessageId = messageId);
        await Log.Finished(messageId, typeof(T).Name);
    }

    // ---- negotiations ----

    protected async Task<OfferState> MakeOffer(decimal price = 60m, Product? product = null, User? buyer = null, string? message = null)
    {
        var id = NewId.NextGuid();
        await Applied(new MakeOffer(id, (product ?? Product).Id, (buyer ?? Buyer).Id, price, message));
        return await Saga(id);
    }

    /// <summary>An offer of 60.00 countered by the seller at 90.00: Countered, awaiting the buyer, round 2.</summary>
    protected async Task<OfferState> CounteredOffer(decimal offered = 60m, decimal counter = 90m, Product? product = null)
    {
        var offer = await MakeOffer(offered, product);
        await Applied(new CounterOffer(offer.CorrelationId, Seller.Id, counter, null));
        return await Saga(offer.CorrelationId);
    }

    protected async Task<OfferState> AcceptedOffer()
    {
        var offer = await MakeOffer();
        await Applied(new AcceptOffer(offer.CorrelationId, Seller.Id));
        return await Saga(offer.CorrelationId);
    }

    protected async Task<OfferState> DeclinedOffer()
    {
        var offer = await MakeOffer();
        await Applied(new DeclineOffer(offer.CorrelationId, Seller.Id, null));
        return await Saga(offer.CorrelationId);
    }

    protected async Task<OfferState> WithdrawnOffer()
    {
        var offer = await MakeOffer();
        await Applied(new WithdrawOffer(offer.CorrelationId, Buyer.Id));
        return await Saga(offer.CorrelationId);
    }

    /// <summary>An offer nobody answered: the scheduled expiry fired (the transport's clock moved past it).</summary>
    protected async Task<OfferState> ExpiredOffer()
    {
        var offer = await MakeOffer();
        await AdvanceTime(ExpiresAfter + TimeSpan.FromMinutes(1));
        await TimeoutsConsumed(offer.CorrelationId, 1);
        return await Saga(offer.CorrelationId);
    }

    /// <summary>An offer brought into one of the machine's states by the usual moves.</summary>
    protected Task<OfferState> OfferIn(string state) => state switch
    {
        "Pending" => MakeOffer(),
        "Countered" => CounteredOffer(),
        "Accepted" => AcceptedOffer(),
        "Declined" => DeclinedOffer(),
        "Withdrawn" => WithdrawnOffer(),
        "Expired" => ExpiredOffer(),
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null)
    };

    // ---- the saga ----

    /// <summary>The saga instance in the (in-memory) saga repository; fails when it does not exist.</summary>
    protected async Task<OfferState> Saga(Guid id)
    {
        var saga = await _provider.GetRequiredService<ILoadSagaRepository<OfferState>>().Load(id);
        Assert.True(saga != null, $"Offer saga {id} does not exist.");
        return saga;
    }

    protected async Task<bool> SagaExists(Guid id) => await _provider.GetRequiredService<ILoadSagaRepository<OfferState>>().Load(id) != null;

    /// <summary>The field values of a saga at one moment (the in-memory repository hands out the live instance).</summary>
    protected static OfferSnapshot Copy(OfferState saga) => saga.ToSnapshot();

    protected void AssertInState(OfferState saga, Func<OfferStateMachine, State> state) =>
        Assert.Equal(state(Machine).Name, saga.CurrentState);

    /// <summary>Every message of type <typeparamref name="T"/> published during this test (one harness per test).</summary>
    protected IReadOnlyList<T> Published<T>() where T : class => Log.Published.OfType<T>().ToList();

    /// <summary>The expiry timeouts scheduled for an offer during this test, with their delays.</summary>
    protected IReadOnlyList<BusLog.Sent> ScheduledTimeouts(Guid offerId) =>
        Log.SentMessages.Where(s => s.Message is OfferExpirationDue due && due.OfferId == offerId).ToList();

    protected IReadOnlyList<object> PublishedOfferEvents() =>
        Published<OfferMade>().Cast<object>()
            .Concat(Published<OfferCountered>())
            .Concat(Published<OfferAccepted>())
            .Concat(Published<OfferDeclined>())
            .Concat(Published<OfferWithdrawn>())
            .Concat(Published<OfferExpired>())
            .ToList();

    // ---- time ----

    /// <summary>
    /// Moves the in-memory transport's clock: delayed messages (the scheduled expiry) due within <paramref name="by"/> are
    /// delivered now. The saga's own timestamps still come from the wall clock.
    /// </summary>
    protected async Task AdvanceTime(TimeSpan by)
    {
        // The in-memory queue registers a delayed delivery from a Task.Run queued during the send (which the saga finished
        // before this is called): give that work item time to run, or its delay would be measured from the moved clock.
        await Task.Delay(100);
        await _provider.GetRequiredService<IInMemoryDelayProvider>().Advance(by);
    }

    /// <summary>Waits until the saga consumed <paramref name="count"/> expiry timeouts of this offer (current or stale).</summary>
    protected Task TimeoutsConsumed(Guid offerId, int count) => Log.Consumes<OfferExpirationDue>(m => m.OfferId == offerId, count);

    // ---- the database the activities write ----

    protected async Task<List<Message>> Messages(Guid conversationId)
    {
        await using var db = Database.NewDbContext();
        return await db.Messages.AsNoTracking().Where(m => m.ConversationId == conversationId)
            .OrderBy(m => m.CreatedAt).ThenBy(m => m.Id).ToListAsync();
    }

    protected async Task<Conversation> Conversation(Guid id)
    {
        await using var db = Database.NewDbContext();
        return await db.Conversations.AsNoTracking().SingleAsync(c => c.Id == id);
    }

    protected async Task<List<OfferTimelineEntry>> Timeline(Guid offerId)
    {
        await using var db = Database.NewDbContext();
        return await db.OfferTimeline.AsNoTracking().Where(e => e.OfferId == offerId).OrderBy(e => e.Id).ToListAsync();
    }

    protected async Task<List<Transaction>> Transactions(Guid productId)
    {
        await using var db = Database.NewDbContext();
        return await db.Transactions.AsNoTracking().Where(t => t.ProductId == productId).ToListAsync();
    }

    protected async Task<Product> ProductRow(Guid id)
    {
        await using var db = Database.NewDbContext();
        return await db.Products.AsNoTracking().SingleAsync(p => p.Id == id);
    }

    protected async Task<Product> Listing(decimal price, string feed = Feeds.Community, string status = ProductStatuses.Available,
        User? seller = null) =>
        await Database.CreateProductAsync(seller ?? Seller, price, feed, status);

    protected async Task MarkSold(Guid productId)
    {
        await using var db = Database.NewDbContext();
        await db.Products.Where(p => p.Id == productId)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.Status, ProductStatuses.Sold));
    }

    /// <summary>What a move must leave behind when it is refused: the same saga, no event, no message, no sale.</summary>
    protected async Task<Unchanged> Observe(OfferState offer)
    {
        await using var db = Database.NewDbContext();
        return new Unchanged(
            Copy(offer),
            offer.ExpirationTokenId,
            PublishedOfferEvents().Count,
            await db.Messages.CountAsync(m => m.ConversationId == offer.ConversationId),
            await db.Conversations.AsNoTracking().SingleOrDefaultAsync(c => c.Id == offer.ConversationId),
            await db.Transactions.CountAsync(),
            (await db.Products.AsNoTracking().SingleAsync(p => p.Id == offer.ProductId)).Status);
    }

    protected async Task AssertNothingChanged(Unchanged before, OfferState offer)
    {
        var after = await Observe(offer);
        Assert.Equal(before.Snapshot, after.Snapshot);
        Assert.Equal(before.ExpirationTokenId, after.ExpirationTokenId);
        Assert.Equal(before.Events, after.Events);
        Assert.Equal(before.Messages, after.Messages);
        Assert.Equal(before.Conversation?.UnreadCountBuyer, after.Conversation?.UnreadCountBuyer);
        Assert.Equal(before.Conversation?.UnreadCountSeller, after.Conversation?.UnreadCountSeller);
        Assert.Equal(before.Transactions, after.Transactions);
        Assert.Equal(before.ProductStatus, after.ProductStatus);
    }

    protected sealed record Unchanged(
        OfferSnapshot Snapshot,
        Guid? ExpirationTokenId,
        int Events,
        int Messages,
        Conversation? Conversation,
        int Transactions,
        string ProductStatus);

    protected static void AssertEntry(OfferTimelineEntry entry, string action, Guid? actor, string before, string after, string? detail = null,
        decimal? price = null)
    {
        Assert.Equal((action, actor, before, after), (entry.Action, entry.ActorId, entry.StateBefore, entry.StateAfter));
        Assert.Equal(detail, entry.Detail);
        Assert.Equal(price, entry.Price);
    }

    /// <summary>Runs one step of a table of moves, naming the step when it fails.</summary>
    protected static async Task Step(string name, Func<Task> step)
    {
        try
        {
            await step();
        }
        catch (Exception ex)
        {
            throw new Xunit.Sdk.XunitException($"[{name}] {ex.Message}");
        }
    }

    /// <summary>The timeline's last line for the offer: the move just made.</summary>
    protected async Task<OfferTimelineEntry> LastTimelineEntry(Guid offerId) => (await Timeline(offerId)).Last();

    protected static void AssertRecent(DateTime? at, TimeSpan? after = null)
    {
        Assert.NotNull(at);
        var expected = DateTime.UtcNow + (after ?? TimeSpan.Zero);
        Assert.InRange(at.Value, expected - TimeSpan.FromSeconds(30), expected + TimeSpan.FromSeconds(1));
    }
}
