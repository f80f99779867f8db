using System.ComponentModel;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using SoukLoop.Contracts;
using SoukLoop.Persistence;
using SoukLoop.Persistence.Model;

namespace SoukLoop.Api.Features.Offers;

/// <summary>
/// A move (<c>accept</c>, <c>counter</c>, <c>decline</c>, <c>withdraw</c>) answered 202 whose command faulted for good
/// leaves the offer unchanged; its location, <c>GET /offers/{id}</c>, then shows the move as <c>failed_command</c> while
/// that final fault is newer than the offer's last change and support has not re-driven it (src/Api/README.md
/// "Commands: 200 / 202 processing / failed").
/// </summary>
public static class OfferMoveFailures
{
    static readonly Dictionary<string, string> Moves = new()
    {
        [MessageUrn.ForTypeString<AcceptOffer>()] = "accept",
        [MessageUrn.ForTypeString<CounterOffer>()] = "counter",
        [MessageUrn.ForTypeString<DeclineOffer>()] = "decline",
        [MessageUrn.ForTypeString<WithdrawOffer>()] = "withdraw"
    };

    static readonly string[] MoveTypes = [.. Moves.Keys];

    public static async Task<FailedCommand?> LatestAsync(SoukDbContext db, OfferState offer, CancellationToken cancellationToken)
    {
        var fault = await db.MessageFaults.AsNoTracking()
            .Where(f => f.CorrelationId == offer.CorrelationId && MoveTypes.Contains(f.MessageType) && f.FinalAt != null
                        && f.FinalAt > offer.UpdatedAt && f.RedrivenAt == null)
            .OrderByDescending(f => f.FinalAt)
            .Select(f => new { f.MessageType, f.FinalAt })
            .FirstOrDefaultAsync(cancellationToken);
        return fault == null
            ? null
            : new FailedCommand(Moves[fault.MessageType], OfferProblems.ProcessingFailed,
                "The move could not be processed; nothing was applied. Support has been notified; make the move again.", fault.FinalAt!.Value);
    }
}

/// <summary>The last move on an offer that faulted for good (<see cref="OfferMoveFailures"/>).</summary>
/// <param name="Command">The move: <c>accept</c>, <c>counter</c>, <c>decline</c> or <c>withdraw</c>.</param>
/// <param name="Code">The code a fault within the wait would have answered: <c>offer_processing_failed</c>.</param>
public record FailedCommand(
    [property: Description("The move that failed: accept, counter, decline or withdraw.")] string Command,
    [property: Description("offer_processing_failed, the code a fault within the wait would have answered.")] string Code,
    string Detail,
    [property: Description("When the fault became final (no redelivery left).")] DateTime FailedAt);
