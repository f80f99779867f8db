using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SoukLoop.Contracts;
using SoukLoop.Persistence;
using SoukLoop.Persistence.Model;
using SoukLoop.Persistence.Sagas;

namespace SoukLoop.Workers.Payments;

/// <summary>
/// Tells the payment sagas held for a payout account that the seller has one now: reads the account the Api wrote and publishes
/// <see cref="PayoutAccountConnected"/> through the Postgres outbox (with the inbox row), so an event, once decided, is never lost.
/// </summary>
public class ReleaseHeldPayoutsConsumer(SoukDbContext db) : IConsumer<ReleaseHeldPayouts>
{
    public async Task Consume(ConsumeContext<ReleaseHeldPayouts> context)
    {
        var account = await TransactionRows.SellerAccount(db, context.Message.SellerId, context.CancellationToken);
        if (account != null)
            await context.Publish(new PayoutAccountConnected(context.Message.SellerId, account, DateTime.UtcNow), context.CancellationToken);
    }
}

public class ReleaseHeldPayoutsConsumerDefinition : ConsumerDefinition<ReleaseHeldPayoutsConsumer>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<ReleaseHeldPayoutsConsumer> consumerConfigurator, IRegistrationContext context)
    {
        endpointConfigurator.UsePaymentRetry();
        endpointConfigurator.UsePostgresOutbox(context);
    }
}

/// <summary>
/// The Api's <see cref="ReleaseHeldPayouts"/> after <c>PUT /users/me/payout-account</c> can be lost (broker down, the Api killed
/// after its write): every <c>Payments:PayoutSweepInterval</c> the Workers look for paid sales still awaiting an account whose
/// seller has one and send the command again. The state is the record: nothing else has to be written with the account, and a
/// sweep that repeats the command moves no money twice (the saga only acts on sales still awaiting an account).
/// </summary>
public class HeldPayoutSweeper(IServiceScopeFactory scopes, IBus bus, IOptions<PaymentOptions> options, ILogger<HeldPayoutSweeper> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PayoutSweepInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<SoukDbContext>();
                var sellers = await db.Payments.AsNoTracking()
                    .Where(p => p.PayoutStatus == PayoutStatuses.AwaitingAccount)
                    .Join(db.Users.Where(u => u.StripeAccountId != null), p => p.SellerId, u => u.Id, (p, _) => p.SellerId)
                    .Distinct().OrderBy(seller => seller).Take(500).ToListAsync(stoppingToken);
                foreach (var seller in sellers)
                    await bus.Publish(new ReleaseHeldPayouts(seller), stoppingToken);
                if (sellers.Count > 0)
                    logger.LogInformation("Payout sweep: released the held payouts of {Sellers} sellers who connected an account", sellers.Count);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Payout sweep failed; the next one tries again");
            }
        }
    }
}
