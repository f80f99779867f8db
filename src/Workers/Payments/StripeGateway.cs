using System.Diagnostics;
using Microsoft.Extensions.Options;
using SoukLoop.Persistence.Model;
using SoukLoop.ServiceDefaults;
using Stripe;

namespace SoukLoop.Workers.Payments;

/// <summary>
/// The Stripe calls the payment saga makes, through Stripe.net against <c>Stripe:ApiBase</c> (real Stripe or the stand-in).
/// Every POST carries an idempotency key derived from the transaction, so a redelivered or retried step never creates twice.
/// </summary>
public class StripeGateway
{
    readonly StripeClient _client;
    readonly PaymentOptions _options;
    readonly ILogger<StripeGateway> _logger;

    public StripeGateway(IOptions<StripeOptions> stripe, IOptions<PaymentOptions> options, IHttpClientFactory httpClients,
        ILogger<StripeGateway> logger)
    {
        var o = stripe.Value;
        _client = new StripeClient(o.EffectiveSecretKey,
            httpClient: new SystemNetHttpClient(httpClients.CreateClient(nameof(StripeGateway)), o.MaxNetworkRetries),
            apiBase: o.EffectiveApiBase);
        _options = options.Value;
        _logger = logger;
    }

    public static string CreateKey(Guid transactionId, int attempt) =>
        attempt <= 1 ? $"pi-create-{transactionId}" : $"pi-create-{transactionId}-{attempt}";

    public static string TransferKey(Guid transactionId) => $"transfer-{transactionId}";

    /// <summary>
    /// One PaymentIntent for the agreed price: a destination charge (the seller's connected account gets the payout, the platform
    /// keeps the fee) when the seller has an account, else a plain charge paid out later with a Transfer.
    /// </summary>
    public async Task<PaymentIntent> CreatePaymentIntentAsync(PaymentState payment, string? destination, CancellationToken cancellationToken)
    {
        var create = new PaymentIntentCreateOptions
        {
            Amount = Money.ToMinorUnits(payment.Amount, payment.Currency),
            Currency = Money.StripeCurrency(payment.Currency),
            Description = $"Souk Loop: {payment.ProductTitle}",
            AutomaticPaymentMethods = new PaymentIntentAutomaticPaymentMethodsOptions { Enabled = true },
            TransferGroup = payment.CorrelationId.ToString(),
            Metadata = new Dictionary<string, string>
            {
                ["offer_id"] = payment.OfferId.ToString(),
                ["transaction_id"] = payment.CorrelationId.ToString(),
                ["attempt"] = payment.Attempt.ToString()
            }
        };
        if (destination != null)
        {
            create.TransferData = new PaymentIntentTransferDataOptions { Destination = destination };
            create.ApplicationFeeAmount = Money.ToMinorUnits(payment.PlatformFee, payment.Currency);
        }

        var key = CreateKey(payment.CorrelationId, payment.Attempt);
        var intent = await new PaymentIntentService(_client).CreateAsync(create, new RequestOptions { IdempotencyKey = key }, cancellationToken);
        _logger.LogInformation("Stripe PaymentIntent {PaymentIntentId} for transaction {TransactionId} (attempt {Attempt}, key {Key}, {Amount} {Currency}, destination {Destination})",
            intent.Id, payment.CorrelationId, payment.Attempt, key, intent.Amount, intent.Currency, destination ?? "-");

        CrashIfAsked();
        return intent;
    }

    /// <summary>
    /// The attempt's PaymentIntent made earlier, found by its metadata: Stripe keeps idempotency keys for 24 hours only, so a step
    /// re-driven later must look before it creates. Stripe's search index lags writes by up to a minute; within that minute the
    /// idempotency key is what prevents a second intent.
    /// </summary>
    public async Task<PaymentIntent?> FindPaymentIntentAsync(PaymentState payment, CancellationToken cancellationToken)
    {
        var found = await new PaymentIntentService(_client).SearchAsync(new PaymentIntentSearchOptions
        {
            Query = $"metadata['transaction_id']:'{payment.CorrelationId}' AND metadata['attempt']:'{payment.Attempt}'"
        }, cancellationToken: cancellationToken);
        return found.Data.FirstOrDefault();
    }

    /// <summary>The transaction's Transfer made earlier (its <c>transfer_group</c> is the transaction id), for the same reason.</summary>
    public async Task<Transfer?> FindTransferAsync(PaymentState payment, CancellationToken cancellationToken)
    {
        var found = await new TransferService(_client).ListAsync(new TransferListOptions
        {
            TransferGroup = payment.CorrelationId.ToString(),
            Limit = 10
        }, cancellationToken: cancellationToken);
        return found.Data.FirstOrDefault(t => !t.Reversed);
    }

    void CrashIfAsked()
    {
        if (_options.CrashAfterStripeCallMarker is { Length: > 0 } marker && System.IO.File.Exists(marker))
        {
            System.IO.File.Delete(marker);
            _logger.LogCritical("Test switch Payments:CrashAfterStripeCallMarker: killing the worker after the Stripe call, before the commit");
            Process.GetCurrentProcess().Kill();
        }
    }

    public Task<PaymentIntent> GetPaymentIntentAsync(string id, CancellationToken cancellationToken) =>
        new PaymentIntentService(_client).GetAsync(id, cancellationToken: cancellationToken);

    public Task<PaymentIntent> CancelPaymentIntentAsync(string id, Guid transactionId, CancellationToken cancellationToken) =>
        new PaymentIntentService(_client).CancelAsync(id, new PaymentIntentCancelOptions { CancellationReason = "abandoned" },
            new RequestOptions { IdempotencyKey = $"pi-cancel-{id}" }, cancellationToken);

    public async Task<Transfer> CreateTransferAsync(PaymentState payment, string destination, CancellationToken cancellationToken)
    {
        var transfer = await new TransferService(_client).CreateAsync(new TransferCreateOptions
        {
            Amount = Money.ToMinorUnits(payment.SellerPayout, payment.Currency),
            Currency = Money.StripeCurrency(payment.Currency),
            Destination = destination,
            TransferGroup = payment.CorrelationId.ToString(),
            // Ties the transfer to the buyer's charge, so it waits for those funds instead of the platform's balance.
            SourceTransaction = payment.ChargeId,
            Metadata = new Dictionary<string, string>
            {
                ["offer_id"] = payment.OfferId.ToString(),
                ["transaction_id"] = payment.CorrelationId.ToString()
            }
        }, new RequestOptions { IdempotencyKey = TransferKey(payment.CorrelationId) }, cancellationToken);
        _logger.LogInformation("Stripe Transfer {TransferId} of {Amount} {Currency} to {Destination} for transaction {TransactionId}",
            transfer.Id, transfer.Amount, transfer.Currency, destination, payment.CorrelationId);
        CrashIfAsked();
        return transfer;
    }
}
