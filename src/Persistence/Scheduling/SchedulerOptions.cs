namespace SoukLoop.Persistence.Scheduling;

public class SchedulerOptions
{
    public const string Section = "Scheduler";

    /// <summary>How often the dispatcher looks for due messages when it was not woken earlier.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Due messages claimed per transaction.</summary>
    public int BatchSize { get; set; } = 100;

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
