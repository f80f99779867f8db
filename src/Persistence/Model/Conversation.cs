namespace SoukLoop.Persistence.Model;

public class Conversation
{
    public Guid Id { get; set; }
    public Guid BuyerId { get; set; }
    public Guid SellerId { get; set; }
    public Guid? ProductId { get; set; }
    public DateTime? LastMessageAt { get; set; }
    public int UnreadCountBuyer { get; set; }
    public int UnreadCountSeller { get; set; }
    public bool IsArchivedBuyer { get; set; }
    public bool IsArchivedSeller { get; set; }
    public DateTime CreatedAt { get; set; }
}
