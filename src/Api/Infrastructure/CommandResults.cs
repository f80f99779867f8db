using Microsoft.AspNetCore.Http.HttpResults;
using SoukLoop.ServiceDefaults;

namespace SoukLoop.Api.Infrastructure;

/// <summary>
/// How every route maps what the <see cref="CommandGateway"/> reports that is not an answer (README "202 processing"):
/// pending is 202 with the location that shows the result once applied (the command stays queued), a fault or a broker
/// that is down is a 503 problem.
/// </summary>
public static class CommandResults
{
    public const string Processing = "processing";

    public static Accepted<CommandPending> Accepted(Guid id, string location) =>
        TypedResults.Accepted(location, new CommandPending(id, Processing, location));

    /// <summary>The 503 of a faulted command (<paramref name="faultCode"/>, in the route's words) or of a broker that is down.</summary>
    public static ProblemHttpResult Problem(this CommandOutcome outcome, string faultCode, string faultDetail) =>
        outcome.Result == CommandResult.Faulted
            ? Problems.Create(StatusCodes.Status503ServiceUnavailable, faultCode, faultDetail)
            : Problems.Create(StatusCodes.Status503ServiceUnavailable, ProblemCodes.DependencyUnavailable, "The message broker is unavailable.");
}

/// <summary>A command not answered within the wait: still queued, applied when the Workers can; <c>GET location</c> shows it.</summary>
public record CommandPending(Guid Id, string Status, string Location);

/// <summary>
/// A command answered 202 that then faulted for good (no redelivery left, <c>message_faults.final_at</c>): its location answers
/// this until support re-drives it (src/Api/README.md "202 processing").
/// </summary>
public record CommandFailed(Guid Id, string Status, CommandError Error)
{
    public const string FailedStatus = "failed";

    public CommandFailed(Guid id, CommandError error) : this(id, FailedStatus, error)
    {
    }
}

public record CommandError(string Code, string Detail, DateTime FailedAt);
