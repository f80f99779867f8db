using Microsoft.EntityFrameworkCore;
using SoukLoop.Persistence.Messaging;
using SoukLoop.Persistence.Model;
using SoukLoop.Persistence.Scheduling;

namespace SoukLoop.Persistence;

public class SoukDbContext(DbContextOptions<SoukDbContext> options) : DbContext(options)
{
    public DbSet<User> Users => Set<User>();
    public DbSet<Product> Products => Set<Product>();
    public DbSet<Conversation> Conversations => Set<Conversation>();
    public DbSet<Message> Messages => Set<Message>();
    public DbSet<OfferState> Offers => Set<OfferState>();
    public DbSet<OfferTimelineEntry> OfferTimeline => Set<OfferTimelineEntry>();
    public DbSet<Transaction> Transactions => Set<Transaction>();
    public DbSet<DeviceToken> DeviceTokens => Set<DeviceToken>();
    public DbSet<IdempotencyRecord> IdempotencyRecords => Set<IdempotencyRecord>();
    public DbSet<InboxState> InboxStates => Set<InboxState>();
    public DbSet<OutboxMessage> OutboxMessages => Set<OutboxMessage>();
    public DbSet<ScheduledMessage> ScheduledMessages => Set<ScheduledMessage>();
    public DbSet<MessageFault> MessageFaults => Set<MessageFault>();
    public DbSet<PaymentState> Payments => Set<PaymentState>();
    public DbSet<StripeEventRecord> StripeEvents => Set<StripeEventRecord>();
    public DbSet<PushDelivery> PushDeliveries => Set<PushDelivery>();

    protected override void OnModelCreating(ModelBuilder b)
    {
        b.Entity<User>(e =>
        {
            e.HasIndex(x => x.Email).IsUnique();
            e.Property(x => x.Email).HasMaxLength(320);
            e.Property(x => x.DisplayName).HasMaxLength(100);
            e.Property(x => x.Role).HasMaxLength(20);
        });

        b.Entity<Product>(e =>
        {
            e.Property(x => x.Price).HasPrecision(12, 2);
            e.Property(x => x.Currency).HasMaxLength(3);
            e.Property(x => x.Feed).HasMaxLength(20);
            e.Property(x => x.Status).HasMaxLength(20);
            e.Property(x => x.Title).HasMaxLength(200);
            e.HasIndex(x => new { x.SellerId, x.CreatedAt }).HasDatabaseName("ix_products_seller_created");
            e.HasOne<User>().WithMany().HasForeignKey(x => x.SellerId).OnDelete(DeleteBehavior.Restrict);
        });

        b.Entity<Conversation>(e =>
        {
            // One conversation per buyer, seller and product (NULLS NOT DISTINCT: a product-less chat is unique too).
            e.HasIndex(x => new { x.BuyerId, x.SellerId, x.ProductId })
                .HasDatabaseName("ix_conversations_buyer_seller_product").IsUnique().AreNullsDistinct(false);
            e.HasIndex(x => new { x.IsArchivedBuyer, x.IsArchivedSeller }).HasDatabaseName("ix_conversations_archived");
            e.HasIndex(x => new { x.BuyerId, x.LastMessageAt }).HasDatabaseName("ix_conversations_buyer_last_message");
            e.HasIndex(x => new { x.SellerId, x.LastMessageAt }).HasDatabaseName("ix_conversations_seller_last_message");
            e.HasOne<User>().WithMany().HasForeignKey(x => x.BuyerId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<User>().WithMany().HasForeignKey(x => x.SellerId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<Product>().WithMany().HasForeignKey(x => x.ProductId).OnDelete(DeleteBehavior.Restrict);
        });

        b.Entity<Message>(e =>
        {
            e.HasIndex(x => new { x.ConversationId, x.CreatedAt }).HasDatabaseName("ix_messages_conversation_created");
            e.HasIndex(x => x.IsRead).HasDatabaseName("ix_messages_is_read");
            // What a read marks: the unread messages of one conversation. Partial, so it holds only what is still unread and a
            // read touches those rows alone (ix_messages_is_read would visit every unread message of every conversation).
            e.HasIndex(x => new { x.ConversationId, x.SenderId }).HasFilter("NOT is_read").HasDatabaseName("ix_messages_conversation_unread");
            e.HasIndex(x => new { x.SenderId, x.ClientMessageId }).IsUnique()
                .HasFilter("client_message_id IS NOT NULL").HasDatabaseName("ix_messages_sender_client_message");
            e.Property(x => x.MessageType).HasMaxLength(20);
            e.Property(x => x.Content).HasMaxLength(4000);
            e.Property(x => x.ClientMessageId).HasMaxLength(100);
            e.Property(x => x.OfferData).HasColumnType("jsonb");
            e.HasOne<Conversation>().WithMany().HasForeignKey(x => x.ConversationId).OnDelete(DeleteBehavior.Cascade);
        });

        b.Entity<OfferState>(e =>
        {
            e.ToTable("offers");
            e.HasKey(x => x.CorrelationId);
            e.Property(x => x.CorrelationId).HasColumnName("id");
            e.Property(x => x.CurrentState).HasMaxLength(40);
            e.Property(x => x.Version).IsConcurrencyToken();
            e.Property(x => x.ListPrice).HasPrecision(12, 2);
            e.Property(x => x.OfferedPrice).HasPrecision(12, 2);
            e.Property(x => x.CounterPrice).HasPrecision(12, 2);
            e.Property(x => x.BuyerPrice).HasPrecision(12, 2);
            e.Property(x => x.SellerPrice).HasPrecision(12, 2);
            e.Property(x => x.Currency).HasMaxLength(3);
            e.Property(x => x.Feed).HasMaxLength(20);
            e.HasIndex(x => new { x.CurrentState, x.ExpiresAt }).HasDatabaseName("ix_offers_status_expires");
            e.HasIndex(x => new { x.BuyerId, x.CreatedAt }).HasDatabaseName("ix_offers_buyer_created");
            e.HasIndex(x => new { x.SellerId, x.CreatedAt }).HasDatabaseName("ix_offers_seller_created");
            e.HasIndex(x => new { x.ProductId, x.CurrentState }).HasDatabaseName("ix_offers_product_state");
        });

        b.Entity<OfferTimelineEntry>(e =>
        {
            e.ToTable("offer_timeline");
            e.HasIndex(x => new { x.OfferId, x.Id }).HasDatabaseName("ix_offer_timeline_offer");
            // Support finds an offer's undelivered outbox rows through the message that produced them.
            e.HasIndex(x => x.MessageId).HasDatabaseName("ix_offer_timeline_message");
            e.Property(x => x.Price).HasPrecision(12, 2);
            e.Property(x => x.Action).HasMaxLength(60);
        });

        b.Entity<Transaction>(e =>
        {
            e.HasIndex(x => x.OfferId).IsUnique();
            // At most one live transaction per product: the database backs the "sold exactly once" rule. A cancelled sale
            // (the buyer did not pay in time, the product is listed again) no longer counts, so the product can sell again.
            e.HasIndex(x => x.ProductId).IsUnique().HasDatabaseName("ix_transactions_product")
                .HasFilter($"status <> '{TransactionStatuses.Cancelled}'");
            e.Property(x => x.Amount).HasPrecision(12, 2);
            e.Property(x => x.PlatformFee).HasPrecision(12, 2);
            e.Property(x => x.SellerPayout).HasPrecision(12, 2);
            e.Property(x => x.Currency).HasMaxLength(3);
            e.Property(x => x.Status).HasMaxLength(20);
        });

        b.Entity<DeviceToken>(e =>
        {
            e.HasKey(x => x.Token);
            e.Property(x => x.Token).HasMaxLength(4096);
            e.HasIndex(x => x.UserId);
            e.HasOne<User>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.Cascade);
        });

        b.Entity<IdempotencyRecord>(e =>
        {
            e.HasKey(x => new { x.UserId, x.Key });
            e.Property(x => x.Key).HasMaxLength(200);
            e.HasIndex(x => x.CreatedAt);
        });

        b.Entity<InboxState>(e =>
        {
            e.HasKey(x => new { x.MessageId, x.ConsumerId });
            e.HasIndex(x => x.Delivered);
            // The clean-up deletes by age (RetentionOptions).
            e.HasIndex(x => x.Received);
        });

        b.Entity<OutboxMessage>(e =>
        {
            e.HasKey(x => x.SequenceNumber);
            e.Property(x => x.SequenceNumber).UseIdentityAlwaysColumn();
            e.HasIndex(x => new { x.InboxMessageId, x.InboxConsumerId, x.SequenceNumber }).IsUnique();
            e.HasIndex(x => x.SentTime);
        });

        b.Entity<ScheduledMessage>(e =>
        {
            e.HasKey(x => x.TokenId);
            e.Ignore(x => x.Headers);
            e.Property(x => x.HeadersJson).HasColumnName("headers_json");
            e.Ignore(x => x.Properties);
            e.Ignore(x => x.Host);
            e.HasIndex(x => x.DueAt).HasFilter("cancelled_at IS NULL AND fired_at IS NULL AND failed_at IS NULL").HasDatabaseName("ix_scheduled_messages_due");
            e.Property(x => x.LastError).HasMaxLength(2000);
            // The clean-up deletes fired and cancelled rows by age (RetentionOptions).
            e.HasIndex(x => x.FiredAt).HasFilter("fired_at IS NOT NULL").HasDatabaseName("ix_scheduled_messages_fired");
            e.HasIndex(x => x.CancelledAt).HasFilter("cancelled_at IS NOT NULL").HasDatabaseName("ix_scheduled_messages_cancelled");
            e.HasIndex(x => x.CorrelationId);
        });

        b.Entity<MessageFault>(e =>
        {
            e.HasIndex(x => x.CorrelationId);
            e.HasIndex(x => x.At);
            e.Property(x => x.RedriveReason).HasMaxLength(500);
        });

        OnPaymentsModelCreating(b);
    }

    static void OnPaymentsModelCreating(ModelBuilder b)
    {
        b.Entity<PaymentState>(e =>
        {
            e.ToTable("payments");
            e.HasKey(x => x.CorrelationId);
            e.Property(x => x.CorrelationId).HasColumnName("transaction_id");
            e.Property(x => x.CurrentState).HasMaxLength(40);
            e.Property(x => x.Version).IsConcurrencyToken();
            e.Property(x => x.Amount).HasPrecision(12, 2);
            e.Property(x => x.PlatformFee).HasPrecision(12, 2);
            e.Property(x => x.SellerPayout).HasPrecision(12, 2);
            e.Property(x => x.Currency).HasMaxLength(3);
            e.Property(x => x.PaymentIntentId).HasMaxLength(255);
            e.Property(x => x.PayoutStatus).HasMaxLength(30);
            e.Property(x => x.PayoutAccountId).HasMaxLength(255);
            e.HasIndex(x => x.PaymentIntentId).HasDatabaseName("ix_payments_payment_intent");
            e.HasIndex(x => new { x.SellerId, x.PayoutStatus }).HasDatabaseName("ix_payments_seller_payout");
            e.HasIndex(x => new { x.CurrentState, x.PayBy }).HasDatabaseName("ix_payments_state_pay_by");
            e.HasOne<Transaction>().WithOne().HasForeignKey<PaymentState>(x => x.CorrelationId).OnDelete(DeleteBehavior.Cascade);
        });

        b.Entity<StripeEventRecord>(e =>
        {
            e.ToTable("stripe_events");
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).HasMaxLength(255);
            e.Property(x => x.Type).HasMaxLength(100);
            e.HasIndex(x => x.ReceivedAt);
        });

        b.Entity<PushDelivery>(e =>
        {
            e.ToTable("push_deliveries");
            e.HasKey(x => new { x.EventMessageId, x.Token });
            e.Property(x => x.Token).HasMaxLength(4096);
            e.Property(x => x.Kind).HasMaxLength(40);
            e.HasIndex(x => x.ClaimedAt);
        });
    }
}
