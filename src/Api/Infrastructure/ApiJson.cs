using System.Text.Json;
using SoukLoop.ServiceDefaults;

namespace SoukLoop.Api.Infrastructure;

/// <summary>The wire format of API.md (<see cref="SoukJson"/>, shared with the hub), and the Api's time precision.</summary>
public static class ApiJson
{
    public static void Configure(JsonSerializerOptions options) => SoukJson.Configure(options);

    /// <summary>Database precision (microseconds), so what POST answers equals what a later GET reads.</summary>
    public static DateTime TruncateToMicroseconds(DateTime value) =>
        new(value.Ticks - value.Ticks % 10, DateTimeKind.Utc);
}
