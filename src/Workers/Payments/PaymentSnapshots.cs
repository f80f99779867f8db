using Microsoft.EntityFrameworkCore;
using SoukLoop.Contracts;
using SoukLoop.Persistence;
using SoukLoop.Persistence.Model;

namespace SoukLoop.Workers.Payments;

public static class PaymentSnapshots
{
    /// <summary>The transaction status a payment state means: awaiting_payment is <c>pending</c>.</summary>
    public static string TransactionStatus(this PaymentState p) => p.CurrentState switch
    {
        nameof(PaymentStateMachine.Paid) => TransactionStatuses.Paid,
        nameof(PaymentStateMachine.Failed) => TransactionStatuses.Failed,
        nameof(PaymentStateMachine.Cancelled) => TransactionStatuses.Cancelled,
        _ => TransactionStatuses.Pending
    };

    public static TransactionSnapshot ToSnapshot(this PaymentState p) => new(
        p.CorrelationId, p.OfferId, p.ProductId, p.BuyerId, p.SellerId, p.Amount, p.PlatformFee, p.SellerPayout, p.Currency, p.TransactionStatus());

    public static TransactionUpdated Updated(this PaymentState p, string change, Guid? actorId) => new(
        p.CorrelationId, p.ToSnapshot(), p.BuyerId, p.SellerId, p.ConversationId, p.ProductTitle, p.TransactionStatus(), change, actorId,
        p.PaymentIntentId, p.PayBy, p.PayoutStatus, p.FailureCode, p.FailureMessage, DateTime.UtcNow);

    public static PaymentStatus Status(this PaymentState p) => new(p.CorrelationId, p.ToSnapshot(), p.PaymentIntentId, p.Attempt, p.PayBy);

    public static void Open(this PaymentState p, OfferAccepted accepted, DateTime now, TimeSpan payWithin)
    {
        var t = accepted.Transaction;
        p.OfferId = t.OfferId;
        p.ProductId = t.ProductId;
        p.ProductTitle = accepted.Offer.ProductTitle;
        p.ConversationId = accepted.Offer.ConversationId;
        p.BuyerId = t.BuyerId;
        p.SellerId = t.SellerId;
        p.Amount = t.Amount;
        p.PlatformFee = t.PlatformFee;
        p.SellerPayout = t.SellerPayout;
        p.Currency = t.Currency;
        p.Attempt = 1;
        p.PayBy = now + payWithin;
        p.CreatedAt = now;
        p.UpdatedAt = now;
    }
}

/// <summary>The transaction row the API reads, kept in step with the saga inside the saga's own database transaction.</summary>
public static class TransactionRows
{
    public static Task SetStatus(SoukDbContext db, Guid id, string status, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlAsync($"UPDATE transactions SET status = {status}, updated_at = {DateTime.UtcNow} WHERE id = {id}",
            cancellationToken);

    public static Task SetIntent(SoukDbContext db, Guid id, string paymentIntentId, string? clientSecret, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlAsync($"""
            UPDATE transactions SET payment_intent_id = {paymentIntentId}, client_secret = {clientSecret}, status = 'pending', updated_at = {DateTime.UtcNow}
            WHERE id = {id}
            """, cancellationToken);

    public static Task<string?> SellerAccount(SoukDbContext db, Guid sellerId, CancellationToken cancellationToken) =>
        db.Users.AsNoTracking().Where(u => u.Id == sellerId).Select(u => u.StripeAccountId).SingleOrDefaultAsync(cancellationToken);
}
