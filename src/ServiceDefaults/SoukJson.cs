using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace SoukLoop.ServiceDefaults;

/// <summary>
/// The wire format of API.md, shared by REST (Api) and the hub (Realtime): snake_case names both ways, numbers as
/// numbers ("price": "12" is a wrong type), dictionary keys as they are, times as ISO 8601 UTC ending in Z.
/// </summary>
public static class SoukJson
{
    public static void Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.NumberHandling = JsonNumberHandling.Strict;
        options.DictionaryKeyPolicy = null;
        options.Converters.Add(new UtcDateTimeConverter());
        options.Converters.Add(new UtcDateTimeOffsetConverter());
    }
}

/// <summary>Writes every <see cref="DateTime"/> as UTC with a Z suffix (`2026-11-24T10:00:00Z`, fractions only when present).</summary>
public sealed class UtcDateTimeConverter : JsonConverter<DateTime>
{
    public const string Format = "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'";

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

/// <summary>Writes every <see cref="DateTimeOffset"/> as UTC with a Z suffix, like <see cref="UtcDateTimeConverter"/>.</summary>
public sealed class UtcDateTimeOffsetConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out var value))
            return value.ToUniversalTime();
        throw new JsonException("Expected an ISO 8601 date and time.");
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.UtcDateTime.ToString(UtcDateTimeConverter.Format, CultureInfo.InvariantCulture));
}
