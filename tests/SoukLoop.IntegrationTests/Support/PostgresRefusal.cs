using Microsoft.EntityFrameworkCore;

namespace SoukLoop.IntegrationTests.Support;

/// <summary>
/// A real refusal by Postgres on every attempt: a trigger that raises for the rows <paramref name="when"/> selects, so a
/// command faults for good the way a production database error makes it (docs/support.md). Disposing drops the trigger.
/// </summary>
public sealed class PostgresRefusal(SystemFixture system, string name, string table) : IAsyncDisposable
{
    public static async Task<PostgresRefusal> Create(SystemFixture system, Guid key, string table, string operation, string when)
    {
        var name = $"refuse_{key:N}";
        await using var db = system.NewDbContext();
        var create = $"""
            CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION '{table} row {key} is frozen by the test'; END $$;
            CREATE TRIGGER {name} BEFORE {operation} ON {table} FOR EACH ROW WHEN ({when}) EXECUTE FUNCTION {name}();
            """;
        await db.Database.ExecuteSqlRawAsync(create);
        return new PostgresRefusal(system, name, table);
    }

    public async ValueTask DisposeAsync()
    {
        await using var db = system.NewDbContext();
        var drop = $"DROP TRIGGER IF EXISTS {name} ON {table}; DROP FUNCTION IF EXISTS {name}();";
        await db.Database.ExecuteSqlRawAsync(drop);
    }
}
