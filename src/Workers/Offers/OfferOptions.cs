namespace SoukLoop.Workers.Offers;

public class OfferOptions
{
    public const string Section = "Offers";

    /// <summary>How long an offer stays open after its last move (API.md: <c>Offers:ExpiresAfter</c>, default 24 h).</summary>
    public TimeSpan ExpiresAfter { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// Messages the offer saga's endpoint works on at once in one Workers instance (<c>Offers:ConcurrentMessageLimit</c>),
    /// also its RabbitMQ prefetch. Each one holds a Postgres connection for its transaction. MassTransit's default
    /// would be twice the processor count, at most 16: 4 on a 2-core host, too few for messages that mostly wait on
    /// database round trips.
    /// </summary>
    public int ConcurrentMessageLimit { get; set; } = 16;
}
