using MassTransit;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace SoukLoop.Workers;

/// <summary>
/// The one immediate-retry policy of every endpoint behind the Postgres inbox/outbox (offer saga, payment saga, messaging
/// consumers): each attempt is one fresh transaction, so a version conflict, a lock wait ending in a deadlock or a dropped
/// connection is simply run again on fresh state, quickly and with growing gaps; what still fails goes on to the bus's
/// scheduled redelivery and then `_error` (docs/operations.md).
/// </summary>
public static class TransientRetry
{
    /// <summary>Milliseconds between attempts: about 5 s in all, the Api's default wait (Offers:ResponseTimeout).</summary>
    public static readonly int[] Intervals = [5, 10, 20, 40, 80, 120, 200, 300, 500, 800, 1000, 1000, 1000];

    /// <param name="alsoTransient">What else an endpoint retries (the payment saga: Stripe being briefly unavailable).</param>
    /// <param name="intervals">Longer gaps for an endpoint that waits on a third party.</param>
    public static void UseTransientRetry(this IReceiveEndpointConfigurator endpoint, Func<Exception, bool>? alsoTransient = null,
        int[]? intervals = null) =>
        endpoint.UseMessageRetry(r =>
        {
            r.Handle<Exception>(e => IsTransient(e, alsoTransient));
            r.Intervals(intervals ?? Intervals);
        });

    /// <summary>
    /// The exception or any exception inside it: MassTransit raises what a saga step throws as an
    /// <see cref="EventExecutionException"/> around it, so a filter on the outer type alone never sees a step's version
    /// conflict, deadlock or Stripe outage.
    /// </summary>
    public static bool IsTransient(Exception exception, Func<Exception, bool>? alsoTransient = null)
    {
        var causes = Causes(exception).ToList();
        return !causes.Any(IsBadData) && causes.Any(e => e is DbUpdateException or NpgsqlException || alsoTransient?.Invoke(e) == true);
    }

    /// <summary>
    /// Postgres refused the data itself (SQLSTATE class 22: a NUL byte, a value out of range): every attempt fails the same
    /// way, so the message goes straight on to redelivery and its final fault (the 202's location answers failed).
    /// </summary>
    static bool IsBadData(Exception e) => e is PostgresException { SqlState: [ '2', '2', ..] };

    static IEnumerable<Exception> Causes(Exception exception)
    {
        var pending = new Stack<Exception>([exception]);
        var seen = new HashSet<Exception>(ReferenceEqualityComparer.Instance);
        while (pending.TryPop(out var current))
        {
            if (!seen.Add(current))
                continue;
            yield return current;
            if (current is AggregateException aggregate)
                foreach (var inner in aggregate.InnerExceptions)
                    pending.Push(inner);
            else if (current.InnerException is { } inner)
                pending.Push(inner);
        }
    }
}
