using System.Text.Json;
using System.Text.Json.Nodes;

namespace SoukLoop.Drill;

/// <summary>A JSON value as text when it is a string, else null: problem bodies carry a numeric <c>status</c> where offers carry a word.</summary>
public static class JsonText
{
    public static string? Of(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;
}
