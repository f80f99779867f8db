using System.Globalization;
using System.Text.Json.Nodes;
using SoukLoop.Persistence.Model;

namespace SoukLoop.Workers.Notifications;

/// <summary>
/// What one push says: title and body, a <c>data</c> payload the app routes on (<c>type</c> and ids, all strings as FCM
/// wants), and the conversation's thread (Android <c>collapse_key</c>, APNs <c>thread-id</c>).
/// </summary>
public record PushNotification(string Kind, string Title, string Body, IReadOnlyDictionary<string, string> Data, string Thread)
{
    public static string ThreadOf(Guid conversationId) => $"conversation-{conversationId}";

    public static string Price(decimal amount, string currency) => $"{amount.ToString("0.00", CultureInfo.InvariantCulture)} {currency}";

    public JsonObject ToFcmMessage(DeviceToken device)
    {
        var data = new JsonObject();
        foreach (var (key, value) in Data)
            data[key] = value;
        data["thread_id"] = Thread;

        var message = new JsonObject
        {
            ["token"] = device.Token,
            ["notification"] = new JsonObject { ["title"] = Title, ["body"] = Body },
            ["data"] = data
        };
        if (device.Platform == "ios")
            message["apns"] = new JsonObject
            {
                ["payload"] = new JsonObject
                {
                    ["aps"] = new JsonObject { ["thread-id"] = Thread, ["sound"] = "default" }
                }
            };
        else
            message["android"] = new JsonObject
            {
                ["collapse_key"] = Thread,
                ["priority"] = "high",
                ["notification"] = new JsonObject { ["tag"] = Thread }
            };
        return message;
    }
}
