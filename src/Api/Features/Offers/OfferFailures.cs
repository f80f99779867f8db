using System.Text.Json;
using MassTransit;
using MassTransit.Serialization;
using Microsoft.EntityFrameworkCore;
using SoukLoop.Api.Infrastructure;
using SoukLoop.Contracts;
using SoukLoop.Persistence;

namespace SoukLoop.Api.Features.Offers;

/// <summary>
/// The end of a <c>POST /offers</c> answered 202 whose <see cref="MakeOffer"/> faulted for good: the offer never existed, so
/// its location answers <c>failed</c> with the code a fault within the wait would have had (src/Api/README.md). Only the
/// offer's parties (its buyer, the product's seller) learn it; support sees the fault in <c>/support/faults</c>.
/// </summary>
public static class OfferFailures
{
    static readonly string MakeOfferType = MessageUrn.ForTypeString<MakeOffer>();

    public static async Task<CommandFailed?> FindAsync(SoukDbContext db, Guid offerId, Guid viewer, CancellationToken cancellationToken)
    {
        var fault = await db.MessageFaults.AsNoTracking()
            .Where(f => f.CorrelationId == offerId && f.MessageType == MakeOfferType && f.FinalAt != null && f.RedrivenAt == null)
            .OrderByDescending(f => f.FinalAt)
            .FirstOrDefaultAsync(cancellationToken);
        if (fault?.MessageBody is not { } body || JsonSerializer.Deserialize<MakeOffer>(body, SystemTextJsonMessageSerializer.Options) is not { } command)
            return null;

        var party = command.BuyerId == viewer
                    || await db.Products.AnyAsync(p => p.Id == command.ProductId && p.SellerId == viewer, cancellationToken);
        return party
            ? new CommandFailed(offerId, new CommandError(OfferProblems.ProcessingFailed,
                "The offer could not be processed; nothing was applied. Support has been notified; make the offer again.", fault.FinalAt!.Value))
            : null;
    }
}
