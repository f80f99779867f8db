using System.Text.Json;
using SoukLoop.ServiceDefaults;

namespace SoukLoop.Realtime.Infrastructure;

/// <summary>
/// The wire format of the hub, the same as REST (API.md "Conventions"): snake_case names both ways, numbers as numbers,
/// times as ISO 8601 UTC ending in Z.
/// </summary>
public static class RealtimeJson
{
    public static readonly JsonSerializerOptions Options = Create();

    public static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        Configure(options);
        return options;
    }

    public static void Configure(JsonSerializerOptions options)
    {
        SoukJson.Configure(options);
        options.PropertyNameCaseInsensitive = false;
    }
}
