using MassTransit;
using Microsoft.EntityFrameworkCore;
using SoukLoop.Persistence.Model;
using SoukLoop.Persistence.Sagas;
using Stripe;

namespace SoukLoop.Workers.Payments;

/// <summary>
/// The payment saga's endpoint: retries around the Postgres inbox/outbox (each attempt one fresh transaction), for database
/// conflicts and for Stripe being briefly unavailable (every Stripe POST is idempotent, so a retry never charges twice).
/// </summary>
public class PaymentStateDefinition : SagaDefinition<PaymentState>
{
    protected override void ConfigureSaga(IReceiveEndpointConfigurator endpointConfigurator, ISagaConfigurator<PaymentState> sagaConfigurator,
        IRegistrationContext context)
    {
        endpointConfigurator.UseMessageRetry(PaymentRetry.Configure);
        endpointConfigurator.UsePostgresOutbox(context);
    }
}

/// <summary>The retry of every payment endpoint (the saga and <see cref="ReleaseHeldPayoutsConsumer"/>).</summary>
public static class PaymentRetry
{
    public static void Configure(IRetryConfigurator r)
    {
        // MassTransit wraps what a saga step throws in EventExecutionException: the filter judges the whole chain of causes,
        // else a Stripe 429 inside CreatePaymentIntentActivity would never be retried (issue 12, docs/payments.md "Retries").
        r.Handle<Exception>(e => Causes(e).Any(IsTransient));
        r.Intervals(5, 10, 20, 50, 100, 250, 500, 1000, 2000, 3000, 5000);
    }

    /// <summary>Database conflicts and drops, network errors, and Stripe's 409/429/5xx: worth another try.</summary>
    public static bool IsTransient(Exception e) =>
        e is DbUpdateException or Npgsql.NpgsqlException or HttpRequestException
        || e is StripeException s && (s.StripeError?.Type is "api_error" or "rate_limit_error" or "api_connection_error"
            || (int)s.HttpStatusCode is 409 or 429 or >= 500);

    public static IEnumerable<Exception> Causes(Exception e)
    {
        for (var cause = e; cause != null; cause = cause.InnerException)
            yield return cause;
    }
}
