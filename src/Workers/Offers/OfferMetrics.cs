using System.Diagnostics.Metrics;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using SoukLoop.Persistence.Model;
using SoukLoop.ServiceDefaults;

namespace SoukLoop.Workers.Offers;

/// <summary>
/// Meter <c>SoukLoop.Offers</c>: offers by outcome (counted once the move that closed them committed) and the saga's
/// optimistic-concurrency conflicts (each one is retried, or faults after the last retry).
/// </summary>
public static class OfferMetrics
{
    static readonly Meter Meter = new(SoukMeters.Offers);
    static readonly Counter<long> Outcomes = Meter.CreateCounter<long>("souk.offers.outcomes", description: "Offers that reached a final state, by outcome");
    static readonly Counter<long> Conflicts = Meter.CreateCounter<long>("souk.saga.conflicts", description: "Saga updates refused by a concurrent change (DbUpdateConcurrencyException), by saga");

    public static void Outcome(string state) => Outcomes.Add(1, new KeyValuePair<string, object?>("outcome", state.ToLowerInvariant()));

    public static void Conflict(string saga) => Conflicts.Add(1, new KeyValuePair<string, object?>("saga", saga));
}

/// <summary>What one attempt of one message did to a saga; kept only when the attempt commits.</summary>
public sealed class SagaAttempt
{
    public string? ReachedFinalState { get; set; }
}

/// <summary>Notes the final state an attempt reached, for <see cref="SagaAttemptFilter{T}"/> to count after the commit.</summary>
public sealed class OfferOutcomeObserver : IStateObserver<OfferState>
{
    static readonly HashSet<string> Final =
    [
        nameof(OfferStateMachine.Accepted), nameof(OfferStateMachine.Declined), nameof(OfferStateMachine.Withdrawn), nameof(OfferStateMachine.Expired)
    ];

    public Task StateChanged(BehaviorContext<OfferState> context, State currentState, State previousState)
    {
        if (Final.Contains(currentState.Name) && context.TryGetPayload<SagaAttempt>(out var attempt))
            attempt.ReachedFinalState = currentState.Name;
        return Task.CompletedTask;
    }
}

/// <summary>
/// Inside the retry and outside the outbox: one fresh <see cref="SagaAttempt"/> per attempt; when the attempt returns,
/// its transaction committed and its outcome is counted. A concurrency conflict is counted before the retry runs again.
/// </summary>
public sealed class SagaAttemptFilter<T>(string saga) : IFilter<ConsumeContext<T>> where T : class
{
    public async Task Send(ConsumeContext<T> context, IPipe<ConsumeContext<T>> next)
    {
        var attempt = new SagaAttempt();
        context.AddOrUpdatePayload(() => attempt, _ => attempt);
        try
        {
            await next.Send(context);
        }
        catch (DbUpdateConcurrencyException)
        {
            OfferMetrics.Conflict(saga);
            throw;
        }
        if (attempt.ReachedFinalState is { } state)
            OfferMetrics.Outcome(state);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("sagaAttempt");
}
