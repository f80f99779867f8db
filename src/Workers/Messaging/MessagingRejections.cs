namespace SoukLoop.Workers.Messaging;

/// <summary>A broken messaging rule: a stable code, an HTTP status for the Api, a sentence for people.</summary>
public record MessagingRejection(string Code, int HttpStatus, string Detail);

public static class MessagingRejections
{
    public static readonly MessagingRejection ConversationNotFound = new("conversation_not_found", 404, "The conversation does not exist.");
    public static readonly MessagingRejection MessageNotFound = new("message_not_found", 404, "The message does not exist.");
    public static readonly MessagingRejection ClientMessageIdConflict = new("client_message_id_conflict", 409,
        "This client_message_id was already used for a message in another conversation.");
}
