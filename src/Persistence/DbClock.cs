namespace SoukLoop.Persistence;

/// <summary>Times at the database's precision (microseconds), so what an event carries equals what a later read returns.</summary>
public static class DbClock
{
    public static DateTime UtcNow() => Truncate(DateTime.UtcNow);

    public static DateTime Truncate(DateTime value) => new(value.Ticks - value.Ticks % 10, DateTimeKind.Utc);
}
