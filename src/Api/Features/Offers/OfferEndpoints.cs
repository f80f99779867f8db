using System.Security.Claims;
using MassTransit;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SoukLoop.Api.Idempotency;
using SoukLoop.Api.Infrastructure;
using SoukLoop.Contracts;
using SoukLoop.Persistence;
using SoukLoop.Persistence.Model;
using SoukLoop.ServiceDefaults;
using SoukLoop.Api.Features.Users;

namespace SoukLoop.Api.Features.Offers;

public class OfferApiOptions
{
    public const string Section = "Offers";

    /// <summary>How long a request waits for the saga's answer before it returns 202 with the offer's URL.</summary>
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long the start-up warm-up keeps asking the saga for an answer (<see cref="OfferPipelineWarmUp"/>); zero: off.</summary>
    public TimeSpan WarmUpFor { get; set; } = TimeSpan.FromMinutes(2);
}

/// <summary>
/// The offer routes (API.md "Offers"). Writes check the shape of the request, send the command to the offer saga
/// and wait (bounded) for its answer; every negotiation rule lives in the saga. Reads come from the saga's table.
/// </summary>
public static class OfferEndpoints
{
    public static IServiceCollection AddOfferEndpoints(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<OfferApiOptions>().Bind(configuration.GetSection(OfferApiOptions.Section));
        services.AddHostedService<OfferPipelineWarmUp>();
        return services;
    }

    /// <summary>The warm-up's query; commands go through the <see cref="CommandGateway"/>.</summary>
    public static void AddOfferRequestClients(this IBusRegistrationConfigurator x) => x.AddRequestClient<GetOffer>();

    public static RouteGroupBuilder MapOffers(this RouteGroupBuilder api)
    {
        var offers = api.MapGroup("/offers").WithTags("Offers").RequireAuthorization();
        offers.MapPost("/", MakeOffer).WithIdempotency().WithName("MakeOffer");
        offers.MapGet("/", ListOffers).WithName("ListOffers");
        offers.MapGet("/{id:guid}", GetOffer).WithName("GetOffer")
            .WithDescription("The offer (the location of a 202). A move answered 202 that then faulted for good shows as failed_command; " +
                             "a POST /offers that faulted for good answers {id, status: failed, error} (src/Api/README.md \"Commands\").");
        offers.MapPatch("/{id:guid}/accept", AcceptOffer).WithIdempotency().WithName("AcceptOffer");
        offers.MapPatch("/{id:guid}/decline", DeclineOffer).WithIdempotency().WithName("DeclineOffer");
        offers.MapPatch("/{id:guid}/counter", CounterOffer).WithIdempotency().WithName("CounterOffer");
        offers.MapPatch("/{id:guid}/withdraw", WithdrawOffer).WithIdempotency().WithName("WithdrawOffer");

        api.MapGet("/products/{productId:guid}/offers", ListProductOffers).WithTags("Offers").RequireAuthorization()
            .WithName("ListProductOffers");
        return api;
    }

    public static async Task<Results<Created<OfferResponse>, Accepted<CommandPending>, ProblemHttpResult>> MakeOffer(
        MakeOfferRequest request, ClaimsPrincipal user, HttpContext http, CommandGateway gateway, SoukDbContext db,
        IOptions<OfferApiOptions> options, CancellationToken cancellationToken)
    {
        var errors = OfferValidation.Validate(request);
        if (errors.Count > 0)
            return OfferProblems.Validation(errors);

        var buyer = user.UserId();
        var key = http.Request.Headers[IdempotencyOptions.HeaderName].ToString();
        // With an Idempotency-Key the offer's id follows from the key: when the Api dies after sending MakeOffer but before
        // storing its answer, the client's retry takes the key over and names the same offer, so it finds the offer (or the
        // saga answers offer_exists) instead of making a second one (src/Api/README.md "Idempotency").
        var offerId = key.Length > 0 ? OfferIds.For(buyer, key) : NewId.NextGuid();
        if (key.Length > 0 && await Made(db, offerId, buyer, request, cancellationToken) is { } made)
            return TypedResults.Created(Location(offerId), made);

        var command = new MakeOffer(offerId, request.ProductId!.Value, buyer, request.OfferedPrice!.Value, request.Message?.Trim());
        var outcome = await Ask(gateway, command, offerId, buyer, db, options.Value, cancellationToken);
        if (key.Length > 0 && outcome.Problem?.ProblemDetails.Extensions.TryGetValue(ProblemConventions.CodeKey, out var code) == true
            && Equals(code, OfferProblems.OfferExists) && await Made(db, offerId, buyer, request, cancellationToken) is { } replayed)
            return TypedResults.Created(Location(offerId), replayed);
        return outcome switch
        {
            { Offer: { } offer } => TypedResults.Created(Location(offerId), offer),
            { Pending: { } pending } => pending,
            _ => outcome.Problem!
        };
    }

    /// <summary>The caller's offer made earlier under the same key, for the same product and price; null otherwise.</summary>
    static async Task<OfferResponse?> Made(SoukDbContext db, Guid offerId, Guid buyer, MakeOfferRequest request, CancellationToken cancellationToken)
    {
        var offer = await db.Offers.AsNoTracking().SingleOrDefaultAsync(o => o.CorrelationId == offerId && o.BuyerId == buyer
            && o.ProductId == request.ProductId && o.OfferedPrice == request.OfferedPrice, cancellationToken);
        if (offer == null)
            return null;
        var transaction = await TransactionOf(db, offer.TransactionId, cancellationToken);
        return offer.ToResponse(transaction, buyer);
    }

    public static Task<Results<Ok<OfferResponse>, Accepted<CommandPending>, ProblemHttpResult>> AcceptOffer(Guid id, ClaimsPrincipal user,
        CommandGateway gateway, SoukDbContext db, IOptions<OfferApiOptions> options, CancellationToken cancellationToken) =>
        Move(gateway, new AcceptOffer(id, user.UserId()), id, user, db, options.Value, cancellationToken);

    public static Task<Results<Ok<OfferResponse>, Accepted<CommandPending>, ProblemHttpResult>> DeclineOffer(Guid id, DeclineOfferRequest? request,
        ClaimsPrincipal user, CommandGateway gateway, SoukDbContext db, IOptions<OfferApiOptions> options,
        CancellationToken cancellationToken)
    {
        var errors = OfferValidation.Validate(request);
        return errors.Count > 0
            ? Task.FromResult<Results<Ok<OfferResponse>, Accepted<CommandPending>, ProblemHttpResult>>(OfferProblems.Validation(errors))
            : Move(gateway, new DeclineOffer(id, user.UserId(), request?.Message?.Trim()), id, user, db, options.Value, cancellationToken);
    }

    public static Task<Results<Ok<OfferResponse>, Accepted<CommandPending>, ProblemHttpResult>> CounterOffer(Guid id, CounterOfferRequest request,
        ClaimsPrincipal user, CommandGateway gateway, SoukDbContext db, IOptions<OfferApiOptions> options,
        CancellationToken cancellationToken)
    {
        var errors = OfferValidation.Validate(request);
        return errors.Count > 0
            ? Task.FromResult<Results<Ok<OfferResponse>, Accepted<CommandPending>, ProblemHttpResult>>(OfferProblems.Validation(errors))
            : Move(gateway, new CounterOffer(id, user.UserId(), request.CounterPrice!.Value, request.Message?.Trim()), id, user, db, options.Value,
                cancellationToken);
    }

    public static Task<Results<Ok<OfferResponse>, Accepted<CommandPending>, ProblemHttpResult>> WithdrawOffer(Guid id, ClaimsPrincipal user,
        CommandGateway gateway, SoukDbContext db, IOptions<OfferApiOptions> options, CancellationToken cancellationToken) =>
        Move(gateway, new WithdrawOffer(id, user.UserId()), id, user, db, options.Value, cancellationToken);

    public static async Task<Results<Ok<OfferResponse>, Ok<CommandFailed>, ProblemHttpResult>> GetOffer(Guid id, ClaimsPrincipal user,
        SoukDbContext db, CancellationToken cancellationToken)
    {
        var viewer = user.UserId();
        var offer = await db.Offers.AsNoTracking().SingleOrDefaultAsync(o => o.CorrelationId == id, cancellationToken);
        if (offer == null && await OfferFailures.FindAsync(db, id, viewer, cancellationToken) is { } failed)
            return TypedResults.Ok(failed);
        if (offer == null || (offer.BuyerId != viewer && offer.SellerId != viewer))
            return OfferProblems.NotFound();

        var transaction = await TransactionOf(db, offer.TransactionId, cancellationToken);
        var history = await History(db, [id], cancellationToken);
        var response = (await WithOtherUsers(db, [offer.ToResponse(transaction, viewer, history.GetValueOrDefault(id, []))], cancellationToken))[0];
        return TypedResults.Ok(response with { FailedCommand = await OfferMoveFailures.LatestAsync(db, offer, cancellationToken) });
    }

    public static async Task<Results<Ok<PagedOffers>, ProblemHttpResult>> ListOffers(ClaimsPrincipal user, SoukDbContext db, string? status,
        [FromQuery(Name = "as_buyer")] bool? asBuyer, [FromQuery(Name = "as_seller")] bool? asSeller, int? page,
        [FromQuery(Name = "per_page")] int? perPage, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var (p, size) = errors.Paging(page, perPage);
        var state = string.IsNullOrWhiteSpace(status) ? null : StateOf(status);
        if (!string.IsNullOrWhiteSpace(status) && state == null)
            errors.Add("status", "status is one of pending, countered, accepted, declined, expired, withdrawn.");
        if (!errors.IsValid)
            return OfferProblems.Validation(errors.ToDictionary());

        var viewer = user.UserId();
        var query = db.Offers.AsNoTracking().Where(o => o.CurrentState != "Initial" && o.CurrentState != "Final");
        var buyer = asBuyer ?? false;
        var seller = asSeller ?? false;
        query = (buyer, seller) switch
        {
            (true, false) => query.Where(o => o.BuyerId == viewer),
            (false, true) => query.Where(o => o.SellerId == viewer),
            _ => query.Where(o => o.BuyerId == viewer || o.SellerId == viewer)
        };
        if (state != null)
            query = query.Where(o => o.CurrentState == state);

        var total = await query.CountAsync(cancellationToken);
        var items = await query.OrderByDescending(o => o.CreatedAt).ThenBy(o => o.CorrelationId).Skip((p - 1) * size).Take(size)
            .ToListAsync(cancellationToken);
        var transactions = await Transactions(db, items, cancellationToken);
        var responses = items.Select(o => o.ToResponse(transactions.GetValueOrDefault(o.CorrelationId), viewer)).ToList();
        return TypedResults.Ok(new PagedOffers(await WithOtherUsers(db, responses, cancellationToken), p, size, total));
    }

    public static async Task<Results<Ok<PagedOffers>, ProblemHttpResult>> ListProductOffers(Guid productId, ClaimsPrincipal user, SoukDbContext db,
        int? page, [FromQuery(Name = "per_page")] int? perPage, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var (p, size) = errors.Paging(page, perPage);
        if (!errors.IsValid)
            return OfferProblems.Validation(errors.ToDictionary());

        var viewer = user.UserId();
        var isSeller = await db.Products.AnyAsync(x => x.Id == productId && x.SellerId == viewer, cancellationToken);
        if (!isSeller)
            return OfferProblems.NotFound("product_not_found", "The product does not exist.");

        var query = db.Offers.AsNoTracking().Where(o => o.ProductId == productId && o.CurrentState != "Initial" && o.CurrentState != "Final");
        var total = await query.CountAsync(cancellationToken);
        var items = await query.OrderByDescending(o => o.CreatedAt).ThenBy(o => o.CorrelationId).Skip((p - 1) * size).Take(size)
            .ToListAsync(cancellationToken);
        var transactions = await Transactions(db, items, cancellationToken);
        var history = await History(db, items.Select(o => o.CorrelationId).ToList(), cancellationToken);
        var responses = items.Select(o =>
            o.ToResponse(transactions.GetValueOrDefault(o.CorrelationId), viewer, history.GetValueOrDefault(o.CorrelationId, []))).ToList();
        return TypedResults.Ok(new PagedOffers(await WithOtherUsers(db, responses, cancellationToken), p, size, total));
    }

    static async Task<Results<Ok<OfferResponse>, Accepted<CommandPending>, ProblemHttpResult>> Move<TCommand>(CommandGateway gateway,
        TCommand command, Guid offerId, ClaimsPrincipal user, SoukDbContext db, OfferApiOptions options, CancellationToken cancellationToken)
        where TCommand : class
    {
        var viewer = user.UserId();
        // Strangers learn nothing, not even that the offer exists.
        var isParty = await db.Offers.AnyAsync(o => o.CorrelationId == offerId && (o.BuyerId == viewer || o.SellerId == viewer), cancellationToken);
        if (!isParty)
            return OfferProblems.NotFound();

        var outcome = await Ask(gateway, command, offerId, viewer, db, options, cancellationToken);
        return outcome switch
        {
            { Offer: { } offer } => TypedResults.Ok(offer),
            { Pending: { } pending } => pending,
            _ => outcome.Problem!
        };
    }

    record Outcome(OfferResponse? Offer, Accepted<CommandPending>? Pending, ProblemHttpResult? Problem);

    /// <summary>Sends the command through the <see cref="CommandGateway"/> and maps the saga's answer, or 202 / 503.</summary>
    static async Task<Outcome> Ask<TCommand>(CommandGateway gateway, TCommand command, Guid offerId, Guid viewer, SoukDbContext db,
        OfferApiOptions options, CancellationToken cancellationToken) where TCommand : class
    {
        var outcome = await gateway.Send<TCommand, OfferStatus, OfferRejected, OfferNotFound>(command, options.ResponseTimeout, cancellationToken);
        switch (outcome.Answer)
        {
            case OfferStatus applied:
                var snapshot = applied.Offer;
                var transaction = await TransactionOf(db, snapshot.TransactionId, cancellationToken);
                return new Outcome(snapshot.ToResponse(transaction, viewer), null, null);
            case OfferRejected rejected:
                return new Outcome(null, null, OfferProblems.Rejected(rejected));
            case OfferNotFound:
                return new Outcome(null, null, OfferProblems.NotFound());
        }
        return outcome.Result == CommandResult.Pending
            ? new Outcome(null, CommandResults.Accepted(offerId, Location(offerId)), null)
            // A fault reported within the wait: the message waits in the error queue for support to re-drive.
            : new Outcome(null, null, outcome.Problem(OfferProblems.ProcessingFailed,
                "The offer could not be processed right now; nothing was applied. Try again later."));
    }

    /// <summary>The sale of an accepted offer (null while it has none), as every offer answer shows it.</summary>
    static async Task<Transaction?> TransactionOf(SoukDbContext db, Guid? transactionId, CancellationToken cancellationToken) =>
        transactionId is { } id ? await db.Transactions.AsNoTracking().SingleOrDefaultAsync(t => t.Id == id, cancellationToken) : null;

    static string Location(Guid offerId) => $"/api/v1/offers/{offerId}";

    static string? StateOf(string status) => status.ToLowerInvariant() switch
    {
        "pending" => "Pending",
        "countered" => "Countered",
        "accepted" => "Accepted",
        "declined" => "Declined",
        "expired" => "Expired",
        "withdrawn" => "Withdrawn",
        _ => null
    };

    /// <summary>The other party's public profile on each offer (one query for the whole page).</summary>
    static async Task<List<OfferResponse>> WithOtherUsers(SoukDbContext db, List<OfferResponse> offers, CancellationToken cancellationToken)
    {
        var ids = offers.Where(o => o.OtherUserId != null).Select(o => o.OtherUserId!.Value).Distinct().ToArray();
        var users = await PublicUser.Query(db, ids).ToDictionaryAsync(u => u.Id, cancellationToken);
        return offers.Select(o => o with { OtherUser = o.OtherUserId is { } id ? users.GetValueOrDefault(id) : null }).ToList();
    }

    static async Task<Dictionary<Guid, Transaction>> Transactions(SoukDbContext db, List<OfferState> offers, CancellationToken cancellationToken)
    {
        var ids = offers.Where(o => o.TransactionId.HasValue).Select(o => o.TransactionId!.Value).ToList();
        if (ids.Count == 0)
            return [];
        return await db.Transactions.AsNoTracking().Where(t => ids.Contains(t.Id)).ToDictionaryAsync(t => t.OfferId, cancellationToken);
    }

    static async Task<Dictionary<Guid, IReadOnlyList<OfferHistoryEntry>>> History(SoukDbContext db, List<Guid> offerIds,
        CancellationToken cancellationToken)
    {
        var entries = await db.OfferTimeline.AsNoTracking()
            .Where(e => offerIds.Contains(e.OfferId) && e.StateBefore != e.StateAfter)
            .OrderBy(e => e.Id)
            .ToListAsync(cancellationToken);
        return entries.GroupBy(e => e.OfferId).ToDictionary(g => g.Key,
            g => (IReadOnlyList<OfferHistoryEntry>)g.Select(e => new OfferHistoryEntry(e.At, OfferMapping.HistoryAction(e.Action), e.ActorId, OfferMapping.Money(e.Price))).ToList());
    }
}

/// <summary>The id of an offer made under an Idempotency-Key: the same for the same buyer and key, unguessable without the key.</summary>
public static class OfferIds
{
    public static Guid For(Guid buyer, string idempotencyKey)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"souk-offer|{buyer:N}|{idempotencyKey}"));
        var bytes = hash.AsSpan(0, 16).ToArray();
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x80); // RFC 9562 version 8 (custom), so it never collides with a NewId
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC 4122 variant
        return new Guid(bytes);
    }
}

public record PagedOffers(IReadOnlyList<OfferResponse> Items, int Page, int PerPage, int Total);

public static class OfferProblems
{
    /// <summary>The saga's answer to a MakeOffer whose offer id exists already (Rejection.OfferExists in the Workers).</summary>
    public const string OfferExists = "offer_exists";

    public static ProblemHttpResult Rejected(OfferRejected rejected) => Problems.Create(rejected.HttpStatus, rejected.Code, rejected.Detail);

    /// <summary>The saga faulted on the command after its retries (API.md "Conventions": 503).</summary>
    public const string ProcessingFailed = "offer_processing_failed";

    public static ProblemHttpResult Unavailable(string code, string detail) => Problems.Create(StatusCodes.Status503ServiceUnavailable, code, detail);

    public static ProblemHttpResult NotFound(string code = "offer_not_found", string detail = "The offer does not exist.") =>
        Problems.NotFound(code, detail);

    /// <summary>A validation problem as a <see cref="ProblemHttpResult"/>, so every offer route has one error result type.</summary>
    public static ProblemHttpResult Validation(Dictionary<string, string[]> errors) =>
        TypedResults.Problem(new HttpValidationProblemDetails(errors)
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "Validation failed",
            Detail = "One or more fields are invalid.",
            Extensions = { [ProblemConventions.CodeKey] = ProblemCodes.ValidationFailed }
        });
}
