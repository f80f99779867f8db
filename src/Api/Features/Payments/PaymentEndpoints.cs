using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using MassTransit;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SoukLoop.Api.Idempotency;
using SoukLoop.Api.Infrastructure;
using SoukLoop.Contracts;
using SoukLoop.Persistence;
using SoukLoop.Persistence.Model;
using SoukLoop.ServiceDefaults;
using Stripe;
using Event = Stripe.Event;

namespace SoukLoop.Api.Features.Payments;

/// <summary>
/// Transactions (read, retry a failed payment), the seller's payout account and Stripe's webhook. Payment rules live in the
/// payment saga (Workers); these routes read the tables and hand events and commands to it.
/// </summary>
public static partial class PaymentEndpoints
{
    public static IServiceCollection AddPaymentEndpoints(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PaymentApiOptions>().Bind(configuration.GetSection(PaymentApiOptions.Section));
        return services.AddStripeOptions(configuration, "Api");
    }

    public static RouteGroupBuilder MapPayments(this RouteGroupBuilder api)
    {
        var transactions = api.MapGroup("/transactions").WithTags("Payments").RequireAuthorization();
        transactions.MapGet("/{id:guid}", GetTransaction).WithName("GetTransaction");
        transactions.MapPost("/{id:guid}/retry-payment", RetryPayment).WithIdempotency().WithName("RetryPayment");

        api.MapPut("/users/me/payout-account", SetPayoutAccount).WithTags("Payments").RequireAuthorization().WithName("SetPayoutAccount");
        api.MapPost("/webhooks/stripe", StripeWebhook).WithTags("Payments").AllowAnonymous().WithName("StripeWebhook")
            .WithSummary("Stripe's webhook (signed with Stripe-Signature); not for apps.");
        return api;
    }

    public static async Task<Results<Ok<TransactionResponse>, ProblemHttpResult>> GetTransaction(Guid id, ClaimsPrincipal user, SoukDbContext db,
        CancellationToken cancellationToken)
    {
        var viewer = user.UserId();
        var transaction = await db.Transactions.AsNoTracking().SingleOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (transaction == null || (transaction.BuyerId != viewer && transaction.SellerId != viewer))
            return NotFound();
        var payment = await db.Payments.AsNoTracking().SingleOrDefaultAsync(p => p.CorrelationId == id, cancellationToken);
        return TypedResults.Ok(TransactionResponse.From(transaction, payment, viewer));
    }

    public static async Task<Results<Ok<TransactionResponse>, Accepted<CommandPending>, ProblemHttpResult>> RetryPayment(Guid id, ClaimsPrincipal user,
        SoukDbContext db, CommandGateway gateway, IOptions<PaymentApiOptions> options, CancellationToken cancellationToken)
    {
        var viewer = user.UserId();
        var transaction = await db.Transactions.AsNoTracking().SingleOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (transaction == null || (transaction.BuyerId != viewer && transaction.SellerId != viewer))
            return NotFound();
        if (transaction.BuyerId != viewer)
            return Problems.Forbidden("only_buyer_can_pay", "Only the buyer can pay for this transaction.");

        var outcome = await gateway.Send<RetryPayment, PaymentStatus, PaymentRejected>(new RetryPayment(id, viewer),
            options.Value.ResponseTimeout, cancellationToken);
        switch (outcome.Answer)
        {
            case PaymentRejected rejected:
                return Problems.Create(rejected.HttpStatus, rejected.Code, rejected.Detail);
            case null when outcome.Result == CommandResult.Pending:
                return CommandResults.Accepted(id, $"/api/v1/transactions/{id}");
            case null:
                return outcome.Problem("payment_provider_unavailable",
                    "The payment could not be set up right now; nothing was charged. Try again later.");
        }

        var fresh = await db.Transactions.AsNoTracking().SingleAsync(t => t.Id == id, cancellationToken);
        var payment = await db.Payments.AsNoTracking().SingleOrDefaultAsync(p => p.CorrelationId == id, cancellationToken);
        return TypedResults.Ok(TransactionResponse.From(fresh, payment, viewer));
    }

    /// <summary>
    /// Saves the seller's connected account, then asks the Workers to pay out the sales held for it (<see cref="ReleaseHeldPayouts"/>).
    /// The saved account is the promise: should the command not reach the broker (down, or this process killed after the write), the
    /// Workers' payout sweep finds the held sales of a seller with an account and releases them (docs/payments.md).
    /// </summary>
    public static async Task<Results<Ok<PayoutAccountResponse>, ValidationProblem, ProblemHttpResult>> SetPayoutAccount(
        PayoutAccountRequest request, ClaimsPrincipal user, SoukDbContext db, IPublishEndpoint publish, ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var account = request.StripeAccountId?.Trim();
        if (account is null || !AccountId().IsMatch(account))
            return Problems.Validation(new Dictionary<string, string[]>
            {
                ["stripe_account_id"] = ["A Stripe connected account id: 'acct_' followed by letters and digits."]
            });

        var userId = user.UserId();
        var updated = await db.Users.Where(u => u.Id == userId)
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.StripeAccountId, account), cancellationToken);
        if (updated == 0)
            return Problems.Unauthorized(ProblemCodes.Unauthorized, "The account of this access token no longer exists.");

        try
        {
            await publish.Publish(new ReleaseHeldPayouts(userId), cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            loggers.CreateLogger("SoukLoop.Api.Features.Payments.PayoutAccount").LogWarning(ex,
                "ReleaseHeldPayouts for seller {SellerId} not sent; the Workers' payout sweep releases the held payouts", userId);
        }
        var pending = await db.Payments.CountAsync(p => p.SellerId == userId && p.PayoutStatus == PayoutStatuses.AwaitingAccount, cancellationToken);
        return TypedResults.Ok(new PayoutAccountResponse(account, pending));
    }

    /// <summary>
    /// Stripe's webhook. The signature (Stripe-Signature, HMAC-SHA256 with the endpoint secret, timestamp within the tolerance) is
    /// checked first: anything else is a 400 and changes nothing. Each Stripe event id acts once: it is recorded in
    /// <c>stripe_events</c> in the same database transaction that publishes it (with a message id derived from the event id, so even
    /// a publish whose commit failed is deduplicated by the saga's inbox). Ordering is the saga's business.
    /// </summary>
    public static async Task<Results<Ok<WebhookAnswer>, ProblemHttpResult>> StripeWebhook(HttpRequest request, SoukDbContext db,
        IPublishEndpoint publish, IOptions<StripeOptions> options, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger("SoukLoop.Api.Features.Payments.StripeWebhook");
        var secret = options.Value.EffectiveWebhookSecret;
        if (secret == null)
            return Problems.Create(StatusCodes.Status503ServiceUnavailable, "webhook_not_configured", "Stripe:WebhookSecret is not configured.");

        string json;
        using (var reader = new StreamReader(request.Body, Encoding.UTF8))
            json = await reader.ReadToEndAsync(cancellationToken);

        var signature = request.Headers["Stripe-Signature"].ToString();
        if (string.IsNullOrWhiteSpace(signature))
            return Problems.BadRequest("invalid_signature", "The Stripe-Signature header is missing.");

        Event stripeEvent;
        try
        {
            stripeEvent = EventUtility.ConstructEvent(json, signature, secret,
                options.Value.WebhookToleranceSeconds, throwOnApiVersionMismatch: false);
        }
        catch (StripeException ex)
        {
            logger.LogWarning("Stripe webhook refused: {Reason}", ex.Message);
            return Problems.BadRequest("invalid_signature", ex.Message);
        }
        catch (Exception ex) when (ex is Newtonsoft.Json.JsonException or ArgumentException or FormatException)
        {
            return Problems.BadRequest("invalid_payload", "The webhook body is not a Stripe event.");
        }

        var message = ToMessage(stripeEvent);
        if (message == null)
        {
            logger.LogInformation("Stripe event {EventId} ({Type}) is not one the payments flow acts on", stripeEvent.Id, stripeEvent.Type);
            return TypedResults.Ok(new WebhookAnswer(true, stripeEvent.Id, "ignored"));
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var inserted = await db.Database.ExecuteSqlAsync($"""
            INSERT INTO stripe_events (id, type, payment_intent_id, transaction_id, received_at)
            VALUES ({stripeEvent.Id}, {stripeEvent.Type}, {message.PaymentIntentId}, {message.TransactionId}, {DateTime.UtcNow})
            ON CONFLICT (id) DO NOTHING
            """, cancellationToken);
        if (inserted == 0)
        {
            await transaction.CommitAsync(cancellationToken);
            logger.LogInformation("Stripe event {EventId} was already handled", stripeEvent.Id);
            return TypedResults.Ok(new WebhookAnswer(true, stripeEvent.Id, "duplicate"));
        }

        var messageId = MessageIdOf(stripeEvent.Id);
        await message.Publish(publish, messageId, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        logger.LogInformation("Stripe event {EventId} ({Type}) for transaction {TransactionId} handed to the payment saga",
            stripeEvent.Id, stripeEvent.Type, message.TransactionId);
        return TypedResults.Ok(new WebhookAnswer(true, stripeEvent.Id, "accepted"));
    }

    public record WebhookAnswer(bool Received, string EventId, string Result);

    record WebhookMessage(Guid TransactionId, string PaymentIntentId, Func<IPublishEndpoint, Guid, CancellationToken, Task> Publish);

    static WebhookMessage? ToMessage(Event e)
    {
        if (e.Data?.Object is not PaymentIntent intent
            || intent.Metadata == null
            || !intent.Metadata.TryGetValue("transaction_id", out var raw)
            || !Guid.TryParse(raw, out var transactionId))
            return null;

        var at = e.Created == default ? DateTime.UtcNow : DateTime.SpecifyKind(e.Created, DateTimeKind.Utc);
        return e.Type switch
        {
            EventTypes.PaymentIntentSucceeded => new WebhookMessage(transactionId, intent.Id, (p, id, ct) =>
                p.Publish(new PaymentSucceeded(transactionId, intent.Id, e.Id, intent.LatestChargeId, at), c => c.MessageId = id, ct)),
            EventTypes.PaymentIntentPaymentFailed => new WebhookMessage(transactionId, intent.Id, (p, id, ct) =>
                p.Publish(new PaymentFailed(transactionId, intent.Id, e.Id, intent.LastPaymentError?.DeclineCode ?? intent.LastPaymentError?.Code,
                    intent.LastPaymentError?.Message, at), c => c.MessageId = id, ct)),
            EventTypes.PaymentIntentCanceled => new WebhookMessage(transactionId, intent.Id, (p, id, ct) =>
                p.Publish(new PaymentIntentCanceled(transactionId, intent.Id, e.Id, intent.CancellationReason, at), c => c.MessageId = id, ct)),
            _ => null
        };
    }

    /// <summary>A stable message id per Stripe event id (name-based, SHA-256), so the saga's inbox knows a re-published event.</summary>
    static Guid MessageIdOf(string eventId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("stripe-event:" + eventId));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }

    static ProblemHttpResult NotFound() => Problems.NotFound("transaction_not_found", "The transaction does not exist.");

    [GeneratedRegex("^acct_[A-Za-z0-9]{1,250}$")]
    private static partial Regex AccountId();
}
