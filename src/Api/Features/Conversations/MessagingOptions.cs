namespace SoukLoop.Api.Features.Conversations;

/// <summary>Settings of the conversation routes (section <c>Messages</c>).</summary>
public class MessagingOptions
{
    public const string Section = "Messages";

    /// <summary>How long a send (or a read) waits for the worker's answer before the route answers 202.</summary>
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Sustained sends per user and minute (POST /conversations and POST /conversations/{id}/messages together).</summary>
    public int SendsPerMinute { get; set; } = 60;

    /// <summary>How many sends a user may make at once, above the sustained rate, before being slowed down.</summary>
    public int SendBurst { get; set; } = 10;
}
