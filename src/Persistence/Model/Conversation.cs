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

    /// <summary>Only the buyer and the seller may see or touch a conversation.</summary>
    public bool HasParticipant(Guid userId) => userId != Guid.Empty && (userId == BuyerId || userId == SellerId);

    /// <summary>The participant who is not <paramref name="userId"/>.</summary>
    public Guid OtherThan(Guid userId) => userId == BuyerId ? SellerId : BuyerId;

    public int UnreadCountOf(Guid userId) => userId == BuyerId ? UnreadCountBuyer : UnreadCountSeller;

    public bool IsArchivedFor(Guid userId) => userId == BuyerId ? IsArchivedBuyer : IsArchivedSeller;

    /// <summary>
    /// A conversation without a product is one per pair of users, whoever starts it: the two ids are stored in a fixed
    /// order (the lower UUID, as Postgres orders them, in <see cref="BuyerId"/>), so the unique index
    /// (buyer_id, seller_id, product_id) keeps a second one from being created, even by a concurrent request.
    /// </summary>
    public static (Guid BuyerId, Guid SellerId) DirectPair(Guid a, Guid b) =>
        string.CompareOrdinal(a.ToString("D"), b.ToString("D")) <= 0 ? (a, b) : (b, a);
}
