namespace SoukLoop.Api.Infrastructure;

public static class Clock
{
    /// <summary>Now in UTC at the database's precision (microseconds).</summary>
    public static DateTime UtcNow(this TimeProvider time) => ApiJson.TruncateToMicroseconds(time.GetUtcNow().UtcDateTime);
}
