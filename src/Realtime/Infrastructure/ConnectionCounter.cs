namespace SoukLoop.Realtime.Infrastructure;

/// <summary>The number of hub connections this node holds (for diagnostics and the benchmark).</summary>
public sealed class ConnectionCounter
{
    int _open;

    public int Open => Volatile.Read(ref _open);

    public void Opened() => Interlocked.Increment(ref _open);

    public void Closed() => Interlocked.Decrement(ref _open);
}
