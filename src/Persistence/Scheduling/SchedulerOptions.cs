namespace SoukLoop.Persistence.Scheduling;

public class SchedulerOptions
{
    public const string Section = "Scheduler";

    /// <summary>How often the dispatcher looks for due messages when it was not woken earlier.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Due messages claimed per transaction.</summary>
    public int BatchSize { get; set; } = 100;

    /// <summary>
    /// How long the scheduler endpoint keeps trying to store a ScheduleMessage while Postgres is away (the message stays
    /// unacknowledged meanwhile), about 4.5 minutes in all: a database restart delays redeliveries and timeouts instead of
    /// sending them to `_error`. Only after the last attempt does a redelivery go to its consumer's `_error` queue
    /// (docs/operations.md "A redelivery that cannot be scheduled").
    /// </summary>
    public TimeSpan[]? StoreRetryIntervals { get; set; }

    /// <summary><see cref="StoreRetryIntervals"/> when configured (a bound array would append to a default), else the default.</summary>
    public TimeSpan[] StoreRetries => StoreRetryIntervals is { Length: > 0 } configured ? configured : DefaultStoreRetries;

    static readonly TimeSpan[] DefaultStoreRetries =
    [
        TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2),
        TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30),
        TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1)
    ];

    /// <summary>Switch the dispatcher off (support's "lost timeout" drill, or an instance that must not fire).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The longest one send may take (a blocked or unreachable broker): then it counts as a failed attempt.</summary>
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Sends tried per row before it is set aside as failed (<c>failed_at</c>, shown to support). With the back-off below,
    /// twelve attempts span about 18 minutes: a broker restart does not fail a timeout, a row that can never be sent stops.
    /// </summary>
    public int MaxAttempts { get; set; } = 12;

    /// <summary>Wait after a row's first failed send; doubled after each further failure, up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The wait before the next attempt of a row that failed <paramref name="attempts"/> times.</summary>
    public TimeSpan RetryDelay(int attempts) =>
        TimeSpan.FromTicks(Math.Min(MaxRetryDelay.Ticks, FirstRetryDelay.Ticks * (1L << Math.Clamp(attempts - 1, 0, 30))));
}
