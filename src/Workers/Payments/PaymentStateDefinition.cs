using MassTransit;
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
        endpointConfigurator.UsePaymentRetry();
        endpointConfigurator.UsePostgresOutbox(context);
    }

    /// <summary>Stripe briefly unavailable or busy, past Stripe.net's own retries: worth another attempt.</summary>
    public static bool StripeUnavailable(Exception exception) =>
        exception is HttpRequestException
        || exception is StripeException e && (e.StripeError?.Type is "api_error" or "rate_limit_error" or "api_connection_error"
            || (int)e.HttpStatusCode is 409 or 429 or >= 500);
}

/// <summary>The retry of every payment endpoint (the saga and <see cref="ReleaseHeldPayoutsConsumer"/>): the shared policy plus Stripe.</summary>
public static class PaymentRetry
{
    public static void UsePaymentRetry(this IReceiveEndpointConfigurator endpoint) =>
        endpoint.UseTransientRetry(PaymentStateDefinition.StripeUnavailable, Intervals);

    /// <summary>Database conflicts and drops, network errors, and Stripe's 409/429/5xx, anywhere in the chain of causes.</summary>
    public static bool IsTransient(Exception e) => TransientRetry.IsTransient(e, PaymentStateDefinition.StripeUnavailable);

    /// <summary>Longer gaps than the database-only endpoints: Stripe may take seconds to come back.</summary>
    static readonly int[] Intervals = [5, 10, 20, 50, 100, 250, 500, 1000, 2000, 3000, 5000];
}
