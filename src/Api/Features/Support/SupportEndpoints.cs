using System.Diagnostics;
using System.Security.Claims;
using System.Text.Json;
using MassTransit;
using MassTransit.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SoukLoop.Api.Infrastructure;
using SoukLoop.Api.Features.Offers;
using SoukLoop.Contracts;
using SoukLoop.Persistence;
using SoukLoop.Persistence.Model;
using SoukLoop.ServiceDefaults;

namespace SoukLoop.Api.Features.Support;

/// <summary>
/// The support console's API (docs/support.md): inspect offer sagas as stored, find stuck ones, see the state machines
/// generated from their code, and act on an offer only through the saga (commands), never by editing tables.
/// Role <c>support</c> only; everyone else gets 404 <c>not_found</c> (<see cref="SupportAccess"/>).
/// </summary>
public static class SupportEndpoints
{
    public const string RedriveAction = "SupportRedrive";

    public static IServiceCollection AddSupport(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SupportOptions>().Bind(configuration.GetSection(SupportOptions.Section));
        services.AddSingleton<StateMachineDiagrams>();
        services.AddSupportAccess();
        return services;
    }

    /// <summary>The diagrams' query; commands go through the <see cref="CommandGateway"/>.</summary>
    public static void AddSupportRequestClients(this IBusRegistrationConfigurator x) => x.AddRequestClient<GetStateMachineGraph>();

    public static RouteGroupBuilder MapSupport(this RouteGroupBuilder api)
    {
        var support = api.MapGroup("/support").WithTags("Support").SupportOnly();
        support.MapGet("/offers", ListOffers).WithName("SupportListOffers");
        support.MapGet("/offers/{id:guid}", GetOffer).WithName("SupportGetOffer");
        support.MapGet("/offers/state-machine", (string? format, string? highlight, StateMachineDiagrams diagrams, CancellationToken ct) =>
            StateMachine("offer", format, highlight, diagrams, ct)).WithName("SupportOfferStateMachine");
        support.MapGet("/offers/state-machine.svg", (string? highlight, StateMachineDiagrams diagrams, CancellationToken ct) =>
            StateMachine("offer", "svg", highlight, diagrams, ct)).WithName("SupportOfferStateMachineSvg");
        support.MapPost("/offers/{id:guid}/expire", ExpireOffer).WithName("SupportExpireOffer");
        support.MapPost("/offers/{id:guid}/rearm", RearmOffer).WithName("SupportRearmOffer");
        support.MapGet("/faults", ListFaults).WithName("SupportListFaults");
        support.MapPost("/faults/{faultId:guid}/redrive", RedriveFault).WithName("SupportRedriveFault");
        support.MapGet("/state-machines", StateMachines).WithName("SupportStateMachines");
        support.MapGet("/state-machines/{name}.svg", (string name, string? highlight, StateMachineDiagrams diagrams, CancellationToken ct) =>
            StateMachine(name, "svg", highlight, diagrams, ct)).WithName("SupportStateMachineSvg");
        support.MapGet("/state-machines/{name}", StateMachine).WithName("SupportStateMachine");
        return api;
    }

    public static async Task<Results<Ok<SupportOfferDetail>, ProblemHttpResult>> GetOffer(Guid id, SoukDbContext db,
        IOptions<SupportOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        var detail = await SupportQueries.DetailAsync(db, id, options.Value, time.GetUtcNow().UtcDateTime, cancellationToken);
        return detail == null ? OfferProblems.NotFound() : TypedResults.Ok(detail);
    }

    public static async Task<Results<Ok<SupportOfferPage>, ValidationProblem>> ListOffers(SoukDbContext db, IOptions<SupportOptions> options,
        TimeProvider time, string? state, bool? stuck, [FromQuery(Name = "buyer_id")] Guid? buyerId, [FromQuery(Name = "seller_id")] Guid? sellerId,
        [FromQuery(Name = "user_id")] Guid? userId, [FromQuery(Name = "product_id")] Guid? productId, DateTimeOffset? from, DateTimeOffset? to,
        int? page, [FromQuery(Name = "per_page")] int? perPage, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        string? stateName = null;
        if (!string.IsNullOrWhiteSpace(state))
        {
            stateName = state.Equals("open", StringComparison.OrdinalIgnoreCase)
                ? "open"
                : SupportQueries.States.FirstOrDefault(s => s.Equals(state.Trim(), StringComparison.OrdinalIgnoreCase));
            if (stateName == null)
                errors.Add("state", $"state is one of open, {string.Join(", ", SupportQueries.States.Select(s => s.ToLowerInvariant()))}.");
        }
        var (p, size) = errors.Paging(page, perPage);
        if (from != null && to != null && from >= to)
            errors.Add("to", "to must be later than from.");
        if (!errors.IsValid)
            return Problems.Validation(errors.ToDictionary());

        var filter = new SupportQueries.Filter(stateName, stuck ?? false, buyerId, sellerId, userId, productId, from?.UtcDateTime, to?.UtcDateTime);
        return TypedResults.Ok(await SupportQueries.ListAsync(db, filter, p, size, options.Value, time.GetUtcNow().UtcDateTime, cancellationToken));
    }

    public static Task<Results<Ok<SupportOfferDetail>, Accepted<CommandPending>, ProblemHttpResult, ValidationProblem>> ExpireOffer(
        Guid id, SupportActionRequest request, ClaimsPrincipal user, CommandGateway gateway, SoukDbContext db,
        IOptions<SupportOptions> options, TimeProvider time, CancellationToken cancellationToken) =>
        Act(id, request, reason => new ExpireOffer(id, user.UserId(), reason), gateway, db, options.Value, time, cancellationToken);

    public static Task<Results<Ok<SupportOfferDetail>, Accepted<CommandPending>, ProblemHttpResult, ValidationProblem>> RearmOffer(
        Guid id, SupportActionRequest request, ClaimsPrincipal user, CommandGateway gateway, SoukDbContext db,
        IOptions<SupportOptions> options, TimeProvider time, CancellationToken cancellationToken) =>
        Act(id, request, reason => new RearmOfferExpiry(id, user.UserId(), reason), gateway, db, options.Value, time, cancellationToken);

    /// <summary>Sends the command to the saga and answers with the offer as it is after the saga's answer (or the saga's 404/409).</summary>
    static async Task<Results<Ok<SupportOfferDetail>, Accepted<CommandPending>, ProblemHttpResult, ValidationProblem>> Act<TCommand>(
        Guid id, SupportActionRequest request, Func<string, TCommand> command, CommandGateway gateway, SoukDbContext db,
        SupportOptions options, TimeProvider time, CancellationToken cancellationToken) where TCommand : class
    {
        var errors = new ValidationErrors();
        var reason = errors.Text("reason", request.Reason, 1, 500);
        if (!errors.IsValid)
            return Problems.Validation(errors.ToDictionary());
        if (!await db.Offers.AnyAsync(o => o.CorrelationId == id, cancellationToken))
            return OfferProblems.NotFound();

        var outcome = await gateway.Send<TCommand, OfferStatus, OfferRejected, OfferNotFound>(command(reason!), options.ResponseTimeout,
            cancellationToken);
        switch (outcome.Answer)
        {
            case OfferRejected rejected:
                return OfferProblems.Rejected(rejected);
            case OfferNotFound:
                return OfferProblems.NotFound();
            case null when outcome.Result == CommandResult.Pending:
                return CommandResults.Accepted(id, $"/api/v1/support/offers/{id}");
            case null:
                return outcome.Problem(OfferProblems.ProcessingFailed,
                    "The saga could not process the command; it is recorded as a fault on the offer and can be re-driven.");
        }

        var detail = await SupportQueries.DetailAsync(db, id, options, time.GetUtcNow().UtcDateTime, cancellationToken);
        return TypedResults.Ok(detail!);
    }

    /// <summary>
    /// The latest faults (at most 100, newest first), also those of commands whose saga never came to exist (a <c>MakeOffer</c>
    /// that faulted for good has no offer page): by <c>correlation_id</c>, only unresolved ones, only final ones.
    /// </summary>
    public static async Task<Ok<SupportFaultList>> ListFaults(SoukDbContext db, [FromQuery(Name = "correlation_id")] Guid? correlationId,
        bool? unresolved, bool? final, CancellationToken cancellationToken)
    {
        var query = db.MessageFaults.AsNoTracking();
        if (correlationId is { } id)
            query = query.Where(f => f.CorrelationId == id);
        if (unresolved == true)
            query = query.Where(f => f.RedrivenAt == null);
        if (final == true)
            query = query.Where(f => f.FinalAt != null);
        var faults = await query.OrderByDescending(f => f.At).Take(100).ToListAsync(cancellationToken);
        return TypedResults.Ok(new SupportFaultList(faults.Select(SupportFault.From).ToList()));
    }

    /// <summary>
    /// Sends the faulted message again, as it was (same body, same message id: if it was consumed meanwhile, the inbox
    /// drops it), to the queue it faulted on; marks the fault re-driven by whom, when and why, and writes that into
    /// the offer's timeline. The saga then consumes it like any message (and records it in the timeline again).
    /// </summary>
    public static async Task<Results<Ok<SupportRedriveResponse>, ProblemHttpResult, ValidationProblem>> RedriveFault(Guid faultId,
        SupportActionRequest request, ClaimsPrincipal user, SoukDbContext db, ISendEndpointProvider endpoints, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var reason = errors.Text("reason", request.Reason, 1, 500);
        if (!errors.IsValid)
            return Problems.Validation(errors.ToDictionary());

        var fault = await db.MessageFaults.AsNoTracking().SingleOrDefaultAsync(f => f.Id == faultId, cancellationToken);
        if (fault == null)
            return Problems.NotFound("fault_not_found", "The fault does not exist.");
        if (fault.RedrivenAt != null)
            return Problems.Conflict("fault_already_redriven", $"The fault was re-driven at {fault.RedrivenAt:O}.");
        var messageType = ContractTypes.Find(fault.MessageType);
        var queue = QueueOf(fault.Destination);
        if (messageType == null || fault.MessageBody == null || queue == null)
            return Problems.Conflict("fault_not_redrivable", "The fault names no known message type, body or queue to send it to.");
        var message = JsonSerializer.Deserialize(fault.MessageBody, messageType, SystemTextJsonMessageSerializer.Options)!;

        var now = time.UtcNow();
        var supportUser = user.UserId();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var claimed = await db.MessageFaults.Where(f => f.Id == faultId && f.RedrivenAt == null).ExecuteUpdateAsync(s => s
            .SetProperty(f => f.RedrivenAt, now)
            .SetProperty(f => f.RedrivenBy, supportUser)
            .SetProperty(f => f.RedriveReason, reason), cancellationToken);
        if (claimed == 0)
            return Problems.Conflict("fault_already_redriven", "The fault was re-driven meanwhile.");

        if (fault.CorrelationId is { } offerId)
        {
            var state = await db.Offers.Where(o => o.CorrelationId == offerId).Select(o => o.CurrentState).SingleOrDefaultAsync(cancellationToken);
            if (state != null)
            {
                db.OfferTimeline.Add(new OfferTimelineEntry
                {
                    OfferId = offerId,
                    At = now,
                    Action = RedriveAction,
                    ActorId = supportUser,
                    StateBefore = state,
                    StateAfter = state,
                    Detail = reason,
                    MessageId = fault.FaultedMessageId,
                    CorrelationId = offerId,
                    TraceId = Activity.Current?.TraceId.ToString()
                });
                await db.SaveChangesAsync(cancellationToken);
            }
        }

        try
        {
            var endpoint = await endpoints.GetSendEndpoint(queue);
            await endpoint.Send(message, messageType, context =>
            {
                if (fault.FaultedMessageId != Guid.Empty)
                    context.MessageId = fault.FaultedMessageId;
                context.Headers.Set("Souk-Redriven-Fault", fault.Id.ToString());
            }, cancellationToken);
        }
        catch (Exception ex) when (ex is MassTransitException or TimeoutException)
        {
            return OfferProblems.Unavailable(ProblemCodes.DependencyUnavailable, "The message broker is unavailable; nothing was re-driven.");
        }
        await transaction.CommitAsync(cancellationToken);

        var updated = await db.MessageFaults.AsNoTracking().SingleAsync(f => f.Id == faultId, cancellationToken);
        return TypedResults.Ok(new SupportRedriveResponse(SupportFault.From(updated), queue.ToString()));
    }

    public static async Task<Results<Ok<SupportStateMachines>, ProblemHttpResult>> StateMachines(StateMachineDiagrams diagrams,
        CancellationToken cancellationToken)
    {
        var machines = await diagrams.AllAsync(cancellationToken);
        return machines == null
            ? WorkersUnavailable()
            : TypedResults.Ok(new SupportStateMachines(machines.Select(m => SupportStateMachine.From(m, null)).ToList()));
    }

    public static async Task<Results<Ok<SupportStateMachine>, ContentHttpResult, ProblemHttpResult, ValidationProblem>> StateMachine(string name,
        string? format, string? highlight, StateMachineDiagrams diagrams, CancellationToken cancellationToken)
    {
        var machines = await diagrams.AllAsync(cancellationToken);
        if (machines == null)
            return WorkersUnavailable();
        var machine = machines.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase));
        if (machine == null)
            return Problems.NotFound("state_machine_not_found", $"No state machine is named '{name}'. Known: {string.Join(", ", machines.Select(m => m.Name))}.");

        var errors = new ValidationErrors();
        string? state = null;
        if (!string.IsNullOrWhiteSpace(highlight))
        {
            state = machine.States.FirstOrDefault(s => s.Equals(highlight.Trim(), StringComparison.OrdinalIgnoreCase));
            if (state == null)
                errors.Add("highlight", $"highlight is one of {string.Join(", ", machine.States)}.");
        }
        if (format != null && format != "json" && format != "svg")
            errors.Add("format", "format is json or svg.");
        if (!errors.IsValid)
            return Problems.Validation(errors.ToDictionary());

        return format == "svg"
            ? TypedResults.Content(StateMachineSvg.Render(machine, state), "image/svg+xml; charset=utf-8")
            : TypedResults.Ok(SupportStateMachine.From(machine, state));
    }

    static ProblemHttpResult WorkersUnavailable() => OfferProblems.Unavailable(ProblemCodes.DependencyUnavailable,
        "The Workers did not send the state machine diagrams in time (they generate them from their code).");

    /// <summary>The queue a fault happened on, as a host-independent <c>queue:name</c> address.</summary>
    static Uri? QueueOf(string? destination)
    {
        if (destination == null || !Uri.TryCreate(destination, UriKind.Absolute, out var address))
            return null;
        var name = address.Scheme == "queue" ? address.AbsolutePath : address.AbsolutePath.TrimEnd('/').Split('/').LastOrDefault();
        return string.IsNullOrEmpty(name) ? null : new Uri($"queue:{name}");
    }
}

/// <summary>Message types by their MassTransit URN (<c>urn:message:SoukLoop.Contracts:CounterOffer</c>): what a fault can be re-driven as.</summary>
public static class ContractTypes
{
    static readonly Dictionary<string, Type> ByUrn = typeof(MakeOffer).Assembly.GetExportedTypes()
        .Where(t => t is { IsClass: true, IsAbstract: false, IsGenericTypeDefinition: false })
        .ToDictionary(t => MessageUrn.ForTypeString(t), t => t, StringComparer.Ordinal);

    public static Type? Find(string messageType) => ByUrn.GetValueOrDefault(messageType.Split(';')[0]);
}
