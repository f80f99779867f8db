using System.Data.Common;
using System.Text;
using Microsoft.EntityFrameworkCore;
using SoukLoop.Api.Features.Conversations;
using Xunit.Abstractions;
using SoukLoop.Api.Features.Users;

namespace SoukLoop.IntegrationTests.Messaging;

/// <summary>
/// The list and message queries on a few thousand rows: EXPLAIN the exact statements EF Core sends and check that they
/// read index ranges, never a whole table.
/// </summary>
[Collection(MessagingCollection.Name)]
public class When_querying_a_large_inbox(MessagingFixture system, ITestOutputHelper output)
{
    [Fact]
    public async Task Should_use_the_indexes_for_the_inbox_the_message_pages_and_the_read()
    {
        var (me, heavy, cursor) = await SeedAsync();
        await using var db = system.NewDbContext();

        foreach (var filter in Enum.GetValues<ConversationFilter>())
        {
            var page = await Explain(db, ConversationQueries.PageQuery(db, me, filter, 3, 20));
            AssertIndexed(page, $"inbox page ({filter})");
            Assert.Contains("ix_conversations_buyer_last_message", page);
            Assert.Contains("ix_conversations_seller_last_message", page);
            AssertIndexed(await Explain(db, db.OfViewer(me, filter).Select(c => c.Id)), $"inbox total ({filter})");
        }

        // The parts of one page of the default size (20).
        var rows = await ConversationQueries.PageQuery(db, me, ConversationFilter.All, 1, 20).ToListAsync();
        var others = rows.Select(c => c.OtherThan(me)).ToArray();
        AssertIndexed(await Explain(db, PublicUser.Query(db, others)), "other users");
        var products = await db.Products.OrderBy(p => p.Id).Select(p => p.Id).Take(20).ToArrayAsync();
        AssertIndexed(await Explain(db, ConversationQueries.ProductsQuery(db, products)), "products");
        var last = await Explain(db, ConversationQueries.LastMessagesQuery(db, rows.Select(c => c.Id).ToArray()));
        AssertIndexed(last, "last messages");
        Assert.Contains("ix_messages_conversation_created", last);

        var first = await Explain(db, ConversationQueries.MessagesQuery(db, heavy, null, 51));
        AssertIndexed(first, "first message page");
        Assert.Contains("ix_messages_conversation_created", first);
        var deep = await Explain(db, ConversationQueries.MessagesQuery(db, heavy, cursor, 51));
        AssertIndexed(deep, "deep message page");
        Assert.Contains("ix_messages_conversation_created", deep);

        var read = await ExplainSql(db, $"UPDATE messages SET is_read = true, read_at = now() WHERE conversation_id = '{heavy}' AND sender_id <> '{me}' AND NOT is_read");
        AssertIndexed(read, "mark conversation read");
        Assert.Contains("ix_messages_conversation_unread", read);
    }

    void AssertIndexed(string plan, string what)
    {
        output.WriteLine($"--- {what}\n{plan}");
        Assert.DoesNotContain("Seq Scan on conversations", plan);
        Assert.DoesNotContain("Seq Scan on messages", plan);
        Assert.DoesNotContain("Seq Scan on users", plan);
        Assert.DoesNotContain("Seq Scan on products", plan);
    }

    static async Task<string> Explain<T>(DbContext db, IQueryable<T> query)
    {
        await using var command = query.CreateDbCommand();
        command.CommandText = "EXPLAIN " + command.CommandText;
        return await Run(db, command);
    }

    static async Task<string> ExplainSql(DbContext db, string sql)
    {
        await db.Database.OpenConnectionAsync();
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = "EXPLAIN " + sql;
        return await Run(db, command);
    }

    static async Task<string> Run(DbContext db, DbCommand command)
    {
        await db.Database.OpenConnectionAsync();
        command.Connection ??= db.Database.GetDbConnection();
        var plan = new StringBuilder();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            plan.AppendLine(reader.GetString(0));
        return plan.ToString();
    }

    /// <summary>
    /// 5,000 users; one user in 1,500 conversations as buyer and 1,500 as seller among 20,000; five messages each and
    /// 20,000 in one of theirs. Returns that user, the big conversation and a cursor in its middle.
    /// </summary>
    async Task<(Guid Me, Guid Heavy, (DateTime, Guid) Cursor)> SeedAsync()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        await using var db = system.NewDbContext();
        db.Database.SetCommandTimeout(TimeSpan.FromMinutes(5));
        var seed = $$"""
            CREATE TEMP TABLE seed_users AS
                SELECT g AS n, gen_random_uuid() AS id FROM generate_series(1, 5000) g;
            INSERT INTO users (id, email, password_hash, display_name, role, created_at)
                SELECT id, 'seed-{{tag}}-' || n || '@example.test', 'x', 'Seed ' || n, 'user', now() FROM seed_users;
            CREATE TEMP TABLE seed_products AS
                SELECT g AS n, gen_random_uuid() AS id, (SELECT id FROM seed_users WHERE n = 1 + g % 5000) AS seller_id FROM generate_series(1, 5000) g;
            INSERT INTO products (id, seller_id, title, price, currency, feed, status, image_urls, created_at, updated_at)
                SELECT id, seller_id, 'Seed product ' || n, 10, 'USD', 'community', 'available', ARRAY['https://img.example.com/p.jpg'], now(), now()
                FROM seed_products;
            INSERT INTO conversations (id, buyer_id, seller_id, product_id, last_message_at, unread_count_buyer, unread_count_seller,
                                       is_archived_buyer, is_archived_seller, created_at)
                SELECT gen_random_uuid(), b.id, s.id, NULL, now() - random() * interval '300 days', (random() * 2)::int, (random() * 2)::int,
                       random() < 0.1, random() < 0.1, now() - interval '1 year'
                FROM generate_series(1, 20000) g
                JOIN seed_users b ON b.n = CASE WHEN g <= 1500 THEN 1 ELSE 2 + g % 4999 END
                JOIN seed_users s ON s.n = CASE WHEN g > 1500 AND g <= 3000 THEN 1 ELSE 2 + (g / 4999 + g * 7) % 4999 END
                WHERE b.id <> s.id
                ON CONFLICT DO NOTHING;
            INSERT INTO messages (id, conversation_id, sender_id, message_type, content, image_urls, is_read, created_at)
                SELECT gen_random_uuid(), c.id, CASE WHEN g % 2 = 0 THEN c.buyer_id ELSE c.seller_id END, 'text', 'hello ' || g, ARRAY[]::text[],
                       random() < 0.9, c.last_message_at - g * interval '1 minute'
                FROM conversations c JOIN seed_users u ON u.id IN (c.buyer_id, c.seller_id) AND u.n <= 5000, generate_series(0, 4) g;
            """;
        await db.Database.ExecuteSqlRawAsync(seed);
        var me = await db.Users.Where(u => u.Email == $"seed-{tag}-1@example.test").Select(u => u.Id).SingleAsync();
        var heavy = await db.Conversations.Where(c => c.BuyerId == me).OrderBy(c => c.Id).Select(c => c.Id).FirstAsync();
        var big = $$"""
            INSERT INTO messages (id, conversation_id, sender_id, message_type, content, image_urls, is_read, created_at)
                SELECT gen_random_uuid(), c.id, CASE WHEN g % 2 = 0 THEN c.buyer_id ELSE c.seller_id END, 'text', 'm' || g, ARRAY[]::text[],
                       g > 100, now() - g * interval '1 second'
                FROM conversations c, generate_series(1, 20000) g WHERE c.id = '{{heavy}}';
            ANALYZE users; ANALYZE products; ANALYZE conversations; ANALYZE messages;
            """;
        await db.Database.ExecuteSqlRawAsync(big);
        var middle = await db.Messages.Where(m => m.ConversationId == heavy).OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id)
            .Skip(10000).Select(m => new { m.CreatedAt, m.Id }).FirstAsync();
        return (me, heavy, (middle.CreatedAt, middle.Id));
    }
}
