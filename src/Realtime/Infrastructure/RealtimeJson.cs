using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

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
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.DictionaryKeyPolicy = null;
        options.NumberHandling = JsonNumberHandling.Strict;
        options.PropertyNameCaseInsensitive = false;
        options.Converters.Add(new UtcDateTimeConverter());
    }
}

/// <summary>Writes every <see cref="DateTime"/> as UTC with a Z suffix (fractions only when present).</summary>
public sealed class UtcDateTimeConverter : JsonConverter<DateTime>
{
    const string Format = "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'";

    public override DateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out var value))
            return value.UtcDateTime;
        throw new JsonException("Expected an ISO 8601 date and time.");
    }

    public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options)
    {
        var utc = value.Kind switch
        {
            DateTimeKind.Local => value.ToUniversalTime(),
            DateTimeKind.Unspecified => DateTime.SpecifyKind(value, DateTimeKind.Utc),
            _ => value
        };
        writer.WriteStringValue(utc.ToString(Format, CultureInfo.InvariantCulture));
    }
}
