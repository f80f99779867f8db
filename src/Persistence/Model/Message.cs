namespace SoukLoop.Persistence.Model;

public class Message
{
    public Guid Id { get; set; }
    public Guid ConversationId { get; set; }
    public Guid SenderId { get; set; }
    public string MessageType { get; set; } = MessageTypes.Text;
    public string? Content { get; set; }
    public List<string> ImageUrls { get; set; } = [];
    public string? OfferData { get; set; }
    public bool IsRead { get; set; }
    public DateTime? ReadAt { get; set; }
    public string? ClientMessageId { get; set; }
    public DateTime CreatedAt { get; set; }
}

public static class MessageTypes
{
    public const string Text = "text";
    public const string Image = "image";
    public const string Offer = "offer";
    public const string System = "system";
}
