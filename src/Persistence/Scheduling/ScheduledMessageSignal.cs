namespace SoukLoop.Persistence.Scheduling;

/// <summary>Wakes the dispatcher early when something is scheduled sooner than its next poll.</summary>
public class ScheduledMessageSignal
{
    readonly SemaphoreSlim _signal = new(0, 1);

    public void Notify(DateTime dueAt)
    {
        if (dueAt <= DateTime.UtcNow.AddSeconds(1) && _signal.CurrentCount == 0)
        {
            try { _signal.Release(); }
            catch (SemaphoreFullException) { /* already signalled */ }
        }
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);
}
