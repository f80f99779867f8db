using System.Collections;
using System.Diagnostics;

namespace SoukLoop.IntegrationTests.Support;

/// <summary>
/// Where the in-memory trace exporter puts finished spans. Spans end on any thread (requests, consumers) while a test
/// reads them, so every access takes the lock; tests read through <see cref="Snapshot"/>.
/// </summary>
public sealed class SpanLog : ICollection<Activity>
{
    readonly List<Activity> _spans = [];

    public IReadOnlyList<Activity> Snapshot()
    {
        lock (_spans)
            return _spans.ToArray();
    }

    public void Add(Activity item)
    {
        lock (_spans)
            _spans.Add(item);
    }

    public void Clear()
    {
        lock (_spans)
            _spans.Clear();
    }

    public bool Contains(Activity item)
    {
        lock (_spans)
            return _spans.Contains(item);
    }

    public void CopyTo(Activity[] array, int arrayIndex)
    {
        lock (_spans)
            _spans.CopyTo(array, arrayIndex);
    }

    public bool Remove(Activity item)
    {
        lock (_spans)
            return _spans.Remove(item);
    }

    public int Count
    {
        get
        {
            lock (_spans)
                return _spans.Count;
        }
    }

    public bool IsReadOnly => false;

    public IEnumerator<Activity> GetEnumerator() => Snapshot().GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
