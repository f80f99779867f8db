using SoukLoop.Persistence.Messaging;
using SoukLoop.Persistence.Model;
using SoukLoop.Persistence.Scheduling;

namespace SoukLoop.Api.Features.Support;

/// <summary>The offer saga exactly as stored in <c>offers</c>: every column, with its state and row version.</summary>
public record SupportSaga(
    Guid Id, string State, int Version, Guid ProductId, string ProductTitle, Guid BuyerId, Guid SellerId, Guid ConversationId,
    decimal ListPrice, string Currency, string Feed, decimal OfferedPrice, decimal? CounterPrice, decimal BuyerPrice, decimal SellerPrice,
    int Round, DateTime? ExpiresAt, Guid? ExpirationTokenId, Guid? TransactionId, DateTime CreatedAt, DateTime UpdatedAt)
{
    public static SupportSaga From(OfferState o) => new(
        o.CorrelationId, o.CurrentState, o.Version, o.ProductId, o.ProductTitle, o.BuyerId, o.SellerId, o.ConversationId, o.ListPrice,
        o.Currency, o.Feed, o.OfferedPrice, o.CounterPrice, o.BuyerPrice, o.SellerPrice, o.Round, o.ExpiresAt, o.ExpirationTokenId,
        o.TransactionId, o.CreatedAt, o.UpdatedAt);
}

/// <summary>
/// A row of <c>scheduled_messages</c>; <c>status</c> is pending, overdue, fired, cancelled or failed (set aside after its last
/// failed send; <c>attempts</c> and <c>last_error</c> say why).
/// </summary>
public record SupportTimeout(
    Guid TokenId, string Status, DateTime DueAt, DateTime CreatedAt, DateTime? CancelledAt, DateTime? FiredAt, Guid MessageId,
    string MessageType, string? Destination, bool Current, int Attempts, DateTime? NextAttemptAt, DateTime? FailedAt, string? LastError)
{
    public static SupportTimeout From(ScheduledMessage s, Guid? currentToken, DateTime now, TimeSpan grace) => new(
        s.TokenId, StatusOf(s, now, grace), s.DueAt, s.CreatedAt, s.CancelledAt, s.FiredAt, s.MessageId, s.MessageType,
        s.DestinationAddress?.ToString(), s.TokenId == currentToken, s.Attempts, s.NextAttemptAt, s.FailedAt, s.LastError);

    static string StatusOf(ScheduledMessage s, DateTime now, TimeSpan grace) =>
        s.CancelledAt != null ? "cancelled" : s.FiredAt != null ? "fired" : s.FailedAt != null ? "failed" : s.DueAt + grace < now ? "overdue" : "pending";
}

/// <summary>An outbox message not yet delivered to the broker (delivered ones are deleted).</summary>
public record SupportOutboxMessage(
    long SequenceNumber, Guid MessageId, string MessageType, string? Destination, DateTime SentTime, double AgeSeconds, Guid InboxMessageId,
    Guid? CorrelationId)
{
    public static SupportOutboxMessage From(OutboxMessage m, DateTime now) => new(
        m.SequenceNumber, m.MessageId, m.MessageType, m.DestinationAddress?.ToString(), m.SentTime,
        Math.Round((now - m.SentTime).TotalSeconds, 1), m.InboxMessageId, m.CorrelationId);
}

public record SupportFault(
    Guid Id, Guid FaultedMessageId, Guid? CorrelationId, string MessageType, string? Destination, string ExceptionType,
    string ExceptionMessage, string? StackTrace, string? MessageBody, DateTime At, DateTime? RedrivenAt, Guid? RedrivenBy,
    string? RedriveReason, bool Resolved, DateTime? FinalAt, bool Final)
{
    public static SupportFault From(MessageFault f) => new(
        f.Id, f.FaultedMessageId, f.CorrelationId, f.MessageType, f.Destination, f.ExceptionType, f.ExceptionMessage, f.StackTrace,
        f.MessageBody, f.At, f.RedrivenAt, f.RedrivenBy, f.RedriveReason, f.RedrivenAt != null, f.FinalAt, f.FinalAt != null);
}

public record SupportFaultList(IReadOnlyList<SupportFault> Items);

/// <summary>One consumed command or event (or a support action) of the saga.</summary>
public record SupportTimelineEntry(
    long Id, DateTime At, string Action, Guid? ActorId, string? StateBefore, string? StateAfter, decimal? Price, string? Detail,
    Guid? MessageId, Guid? CorrelationId, string? TraceId)
{
    public static SupportTimelineEntry From(OfferTimelineEntry e) => new(
        e.Id, e.At, e.Action, e.ActorId, e.StateBefore, e.StateAfter, e.Price, e.Detail, e.MessageId, e.CorrelationId, e.TraceId);
}

/// <summary>Why an offer is stuck: <c>code</c> is expiry_overdue, timeout_overdue, timeout_missing, outbox_undelivered or unresolved_fault.</summary>
public record StuckReason(string Code, string Detail);

public record SupportOfferDetail(
    SupportSaga Saga, SupportTimeout? ScheduledTimeout, IReadOnlyList<SupportTimeout> Timeouts, IReadOnlyList<SupportOutboxMessage> Outbox,
    IReadOnlyList<SupportFault> Faults, IReadOnlyList<SupportTimelineEntry> Timeline, IReadOnlyList<StuckReason> StuckReasons,
    string StateMachine);

public record SupportOfferItem(
    Guid Id, string State, int Version, Guid ProductId, string ProductTitle, Guid BuyerId, Guid SellerId, decimal OfferedPrice,
    decimal? CounterPrice, string Currency, int Round, DateTime? ExpiresAt, DateTime CreatedAt, DateTime UpdatedAt,
    IReadOnlyList<StuckReason> StuckReasons);

public record SupportOfferPage(IReadOnlyList<SupportOfferItem> Items, int Page, int PerPage, int Total);

public record SupportActionRequest(string? Reason);

public record SupportRedriveResponse(SupportFault Fault, string RedrivenTo);
