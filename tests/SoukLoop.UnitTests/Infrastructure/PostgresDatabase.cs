using Microsoft.EntityFrameworkCore;
using Npgsql;
using SoukLoop.Persistence;
using SoukLoop.Persistence.Model;

namespace SoukLoop.UnitTests.Infrastructure;

/// <summary>
/// A fresh, migrated Postgres database for one test class (xunit class fixture): <c>souk_unit_&lt;guid&gt;</c>, created from
/// the maintenance database <c>postgres</c> of the server in <c>ConnectionStrings__Postgres</c> and dropped WITH (FORCE) at
/// the end. The offer activities read products and write conversations, messages, transactions and the timeline there.
/// An unreachable server fails every test of the class with a clear message; nothing is skipped.
/// </summary>
public sealed class PostgresDatabase : IAsyncLifetime
{
    const string DefaultServer = "Host=127.0.0.1;Port=55442;Database=soukloop;Username=souk;Password=souk";

    public static string Server => Environment.GetEnvironmentVariable("ConnectionStrings__Postgres") is { Length: > 0 } value ? value : DefaultServer;

    public string Name { get; } = $"souk_unit_{Guid.NewGuid():N}";

    public string ConnectionString => Connection(Name);

    public async Task InitializeAsync()
    {
        await using (var admin = new NpgsqlConnection(Connection("postgres")))
        {
            try
            {
                await admin.OpenAsync();
            }
            catch (Exception ex)
            {
                var server = new NpgsqlConnectionStringBuilder(Server) { Password = null };
                throw new InvalidOperationException(
                    $"Postgres is not reachable at '{server.ConnectionString}' (maintenance database 'postgres'). The offer saga specs " +
                    "need a real Postgres: start one and set ConnectionStrings__Postgres, e.g. " +
                    "'Host=127.0.0.1;Port=55472;Database=soukloop;Username=souk;Password=souk'.", ex);
            }

            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{Name}\"", admin);
            await create.ExecuteNonQueryAsync();
        }

        await using var db = NewDbContext();
        await db.Database.MigrateAsync();
    }

    public async Task DisposeAsync()
    {
        await using (var connection = new NpgsqlConnection(ConnectionString))
            NpgsqlConnection.ClearPool(connection);

        await using var admin = new NpgsqlConnection(Connection("postgres"));
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }

    public SoukDbContext NewDbContext()
    {
        var options = new DbContextOptionsBuilder<SoukDbContext>();
        PersistenceExtensions.Configure(options, ConnectionString);
        return new SoukDbContext(options.Options);
    }

    public static User NewUser(string name, string role = Roles.User) => new()
    {
        Id = Guid.NewGuid(),
        Email = $"{name.Replace(' ', '-').ToLowerInvariant()}-{Guid.NewGuid():N}@example.test",
        PasswordHash = "not-used",
        DisplayName = name,
        Role = role,
        CreatedAt = DateTime.UtcNow
    };

    public static Product NewProduct(User seller, decimal price, string feed = Feeds.Community, string status = ProductStatuses.Available)
    {
        var now = DateTime.UtcNow;
        return new Product
        {
            Id = Guid.NewGuid(),
            SellerId = seller.Id,
            Title = "Brass lantern",
            Price = price,
            Currency = "EUR",
            Feed = feed,
            Status = status,
            CreatedAt = now,
            UpdatedAt = now
        };
    }

    /// <summary>Writes users and products straight through the DbContext, in one round trip.</summary>
    public async Task SeedAsync(params object[] entities)
    {
        await using var db = NewDbContext();
        db.AddRange(entities);
        await db.SaveChangesAsync();
    }

    public async Task<User> CreateUserAsync(string name, string role = Roles.User)
    {
        var user = NewUser(name, role);
        await SeedAsync(user);
        return user;
    }

    public async Task<Product> CreateProductAsync(User seller, decimal price, string feed = Feeds.Community,
        string status = ProductStatuses.Available)
    {
        var product = NewProduct(seller, price, feed, status);
        await SeedAsync(product);
        return product;
    }

    static string Connection(string database) =>
        new NpgsqlConnectionStringBuilder(Server) { Database = database, Pooling = true }.ConnectionString;
}
