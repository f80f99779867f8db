namespace SoukLoop.Persistence.Scheduling;

public class SchedulerOptions
{
    public const string Section = "Scheduler";

    /// <summary>How often the dispatcher looks for due messages when it was not woken earlier.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Due messages sent per transaction.</summary>
    public int BatchSize { get; set; } = 100;

    /// <summary>Switch the dispatcher off (support's "lost timeout" drill, or an instance that must not fire).</summary>
    public bool Enabled { get; set; } = true;
}
