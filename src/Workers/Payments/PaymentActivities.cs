using MassTransit;
using Microsoft.EntityFrameworkCore;
using SoukLoop.Contracts;
using SoukLoop.Persistence;
using SoukLoop.Persistence.Model;
using Stripe;

namespace SoukLoop.Workers.Payments;

/// <summary>
/// After the accept is recorded: ONE PaymentIntent for the transaction (found by metadata if it exists, else created with the
/// idempotency key <c>pi-create-{transactionId}</c>, so a redelivered step or a worker killed between the Stripe call and the
/// commit gets the same intent back), stored on the transaction.
/// </summary>
public class CreatePaymentIntentActivity(SoukDbContext db, StripeGateway stripe) : IStateMachineActivity<PaymentState, CreatePaymentIntent>
{
    public async Task Execute(BehaviorContext<PaymentState, CreatePaymentIntent> context, IBehavior<PaymentState, CreatePaymentIntent> next)
    {
        await PaymentSteps.CreateIntent(db, stripe, context.Saga, context.CancellationToken);
        context.Saga.FailureCode = null;
        context.Saga.FailureMessage = null;
        await next.Execute(context);
    }

    public Task Faulted<TException>(BehaviorExceptionContext<PaymentState, CreatePaymentIntent, TException> context,
        IBehavior<PaymentState, CreatePaymentIntent> next) where TException : Exception => next.Faulted(context);

    public void Probe(ProbeContext context) => context.CreateScope("create-payment-intent");

    public void Accept(StateMachineVisitor visitor) => visitor.Visit(this);
}

/// <summary>
/// The buyer retries after a failure. A failed card payment leaves Stripe's intent in <c>requires_payment_method</c>: the same
/// intent (and client secret) is confirmed again. A cancelled intent is replaced by attempt n+1 (key <c>pi-create-{id}-{n}</c>).
/// An intent that succeeded meanwhile (a lost webhook) is reported to the saga as paid. With no intent yet (Stripe was down when
/// the sale was accepted and that step gave up), the attempt's intent is set up now.
/// </summary>
public class RetryPaymentActivity(SoukDbContext db, StripeGateway stripe) : IStateMachineActivity<PaymentState, RetryPayment>
{
    public async Task Execute(BehaviorContext<PaymentState, RetryPayment> context, IBehavior<PaymentState, RetryPayment> next)
    {
        var p = context.Saga;
        var intent = p.PaymentIntentId != null ? await stripe.GetPaymentIntentAsync(p.PaymentIntentId, context.CancellationToken) : null;
        switch (intent?.Status)
        {
            case null when p.PaymentIntentId == null:
                await PaymentSteps.CreateIntent(db, stripe, p, context.CancellationToken);
                break;
            case "requires_payment_method" or "requires_confirmation" or "requires_action" or "processing":
                break;
            case "succeeded":
                await context.Publish(PaymentSteps.Reconciled(p, intent));
                break;
            default:
                p.Attempt++;
                await PaymentSteps.CreateIntent(db, stripe, p, context.CancellationToken);
                break;
        }
        p.FailureCode = null;
        p.FailureMessage = null;
        p.UpdatedAt = DateTime.UtcNow;
        await next.Execute(context);
    }

    public Task Faulted<TException>(BehaviorExceptionContext<PaymentState, RetryPayment, TException> context,
        IBehavior<PaymentState, RetryPayment> next) where TException : Exception => next.Faulted(context);

    public void Probe(ProbeContext context) => context.CreateScope("retry-payment");

    public void Accept(StateMachineVisitor visitor) => visitor.Visit(this);
}

/// <summary>
/// Decides the seller's payout once the buyer paid, without calling Stripe (the payment is recorded whatever Stripe does next):
/// nothing to do for a destination charge (Stripe moves the payout with the charge); with a connected account,
/// <c>transfer_pending</c> (the saga then sends itself <see cref="SendPayout"/>); without one yet, <c>awaiting_account</c> until
/// <see cref="PayoutAccountConnected"/>.
/// </summary>
public class PayoutDecisionActivity<T>(SoukDbContext db) : IStateMachineActivity<PaymentState, T> where T : class
{
    public async Task Execute(BehaviorContext<PaymentState, T> context, IBehavior<PaymentState, T> next)
    {
        var p = context.Saga;
        if (p.PayoutStatus is PayoutStatuses.None or PayoutStatuses.AwaitingAccount)
        {
            var account = await TransactionRows.SellerAccount(db, p.SellerId, context.CancellationToken);
            p.PayoutStatus = account == null ? PayoutStatuses.AwaitingAccount : PayoutStatuses.TransferPending;
            p.PayoutAccountId = account;
        }
        p.UpdatedAt = DateTime.UtcNow;
        await TransactionRows.SetStatus(db, p.CorrelationId, p.TransactionStatus(), context.CancellationToken);
        await next.Execute(context);
    }

    public Task Faulted<TException>(BehaviorExceptionContext<PaymentState, T, TException> context, IBehavior<PaymentState, T> next)
        where TException : Exception => next.Faulted(context);

    public void Probe(ProbeContext context) => context.CreateScope("payout-decision");

    public void Accept(StateMachineVisitor visitor) => visitor.Visit(this);
}

/// <summary>
/// The payout Transfer, its own step after Paid is committed: <c>amount = seller_payout</c> to the account decided then, tied to
/// the buyer's charge. A Transfer made earlier for the transaction (found by its transfer group) is reused, else it is created
/// with the key <c>transfer-{transactionId}</c>. Failing, it is retried by the endpoint and then faults to support, while the
/// payment stays paid and the payout shows <c>transfer_pending</c>.
/// </summary>
public class TransferActivity(StripeGateway stripe) : IStateMachineActivity<PaymentState, SendPayout>
{
    public async Task Execute(BehaviorContext<PaymentState, SendPayout> context, IBehavior<PaymentState, SendPayout> next)
    {
        var p = context.Saga;
        var transfer = await stripe.FindTransferAsync(p, context.CancellationToken)
            ?? await stripe.CreateTransferAsync(p, p.PayoutAccountId!, context.CancellationToken);
        p.TransferId = transfer.Id;
        p.PayoutStatus = PayoutStatuses.TransferSent;
        p.UpdatedAt = DateTime.UtcNow;
        await next.Execute(context);
    }

    public Task Faulted<TException>(BehaviorExceptionContext<PaymentState, SendPayout, TException> context,
        IBehavior<PaymentState, SendPayout> next) where TException : Exception => next.Faulted(context);

    public void Probe(ProbeContext context) => context.CreateScope("transfer");

    public void Accept(StateMachineVisitor visitor) => visitor.Visit(this);
}

/// <summary>What the payment deadline found at Stripe.</summary>
public record DeadlineOutcome(string Result)
{
    public const string CancelledResult = "cancelled";
    public const string PaidResult = "paid";
    public const string ProcessingResult = "processing";
    public bool Cancelled => Result == CancelledResult;
    public bool Processing => Result == ProcessingResult;
}

/// <summary>
/// The buyer did not pay in time. Asks Stripe first: an intent that succeeded (webhook not here yet) is paid, one still
/// processing is looked at again later; anything else is cancelled at Stripe, the transaction is <c>cancelled</c> and the product
/// is <c>available</c> again.
/// </summary>
public class PaymentDeadlineActivity(SoukDbContext db, StripeGateway stripe) : IStateMachineActivity<PaymentState, PaymentDeadlineDue>
{
    public async Task Execute(BehaviorContext<PaymentState, PaymentDeadlineDue> context, IBehavior<PaymentState, PaymentDeadlineDue> next)
    {
        var p = context.Saga;
        var ct = context.CancellationToken;
        PaymentIntent? intent;
        try
        {
            // No intent on record (its setup gave up, or its commit was lost): one may still exist at Stripe; it must not stay payable.
            intent = p.PaymentIntentId != null ? await stripe.GetPaymentIntentAsync(p.PaymentIntentId, ct) : await stripe.FindPaymentIntentAsync(p, ct);
        }
        catch (Exception ex) when (PaymentRetry.IsTransient(ex))
        {
            // Stripe is unavailable: never cancel blind, look again after Payments:ProcessingRecheck instead of faulting the deadline.
            context.GetOrAddPayload(() => new DeadlineOutcome(DeadlineOutcome.ProcessingResult));
            await next.Execute(context);
            return;
        }
        if (intent?.Status == "succeeded")
        {
            await context.Publish(PaymentSteps.Reconciled(p, intent));
            context.GetOrAddPayload(() => new DeadlineOutcome(DeadlineOutcome.PaidResult));
        }
        else if (intent?.Status == "processing")
            context.GetOrAddPayload(() => new DeadlineOutcome(DeadlineOutcome.ProcessingResult));
        else
        {
            if (intent != null && intent.Status != "canceled")
                await stripe.CancelPaymentIntentAsync(intent.Id, p.CorrelationId, ct);
            var now = DateTime.UtcNow;
            await db.Database.ExecuteSqlAsync(
                $"UPDATE products SET status = 'available', updated_at = {now} WHERE id = {p.ProductId} AND status = 'sold'", ct);
            await TransactionRows.SetStatus(db, p.CorrelationId, TransactionStatuses.Cancelled, ct);
            p.FailureCode = "payment_deadline_passed";
            p.FailureMessage = "The buyer did not pay in time.";
            p.UpdatedAt = now;
            context.GetOrAddPayload(() => new DeadlineOutcome(DeadlineOutcome.CancelledResult));
        }
        await next.Execute(context);
    }

    public Task Faulted<TException>(BehaviorExceptionContext<PaymentState, PaymentDeadlineDue, TException> context,
        IBehavior<PaymentState, PaymentDeadlineDue> next) where TException : Exception => next.Faulted(context);

    public void Probe(ProbeContext context) => context.CreateScope("payment-deadline");

    public void Accept(StateMachineVisitor visitor) => visitor.Visit(this);
}

public static class PaymentSteps
{
    public static async Task CreateIntent(SoukDbContext db, StripeGateway stripe, PaymentState p, CancellationToken cancellationToken)
    {
        var account = await TransactionRows.SellerAccount(db, p.SellerId, cancellationToken);
        // An intent of this attempt made earlier (a re-drive after Stripe forgot the key) is the one; a cancelled one is not payable.
        var intent = await stripe.FindPaymentIntentAsync(p, cancellationToken) is { Status: not "canceled" } earlier ? earlier : null;
        try
        {
            intent ??= await stripe.CreatePaymentIntentAsync(p, account, cancellationToken);
        }
        catch (StripeException ex) when (ex.StripeError?.Type == "idempotency_error" && account != null)
        {
            // The first try of this attempt (cut short by a crash) ran before the seller connected an account: same key,
            // same parameters as then, so Stripe hands back that intent; the payout then goes by Transfer.
            intent = await stripe.CreatePaymentIntentAsync(p, null, cancellationToken);
        }
        // Whatever intent it is, its own transfer_data says who Stripe pays with the charge.
        account = intent.TransferData?.DestinationId;
        p.PaymentIntentId = intent.Id;
        p.PayoutStatus = account != null ? PayoutStatuses.DestinationCharge : PayoutStatuses.None;
        p.PayoutAccountId = account;
        p.UpdatedAt = DateTime.UtcNow;
        await TransactionRows.SetIntent(db, p.CorrelationId, intent.Id, intent.ClientSecret, cancellationToken);
    }

    /// <summary>Stripe says paid but no webhook told us (yet): the saga hears it as if the webhook had come.</summary>
    public static PaymentSucceeded Reconciled(PaymentState p, PaymentIntent intent) =>
        new(p.CorrelationId, intent.Id, $"reconcile:{intent.Id}", intent.LatestChargeId, DateTime.UtcNow);
}
