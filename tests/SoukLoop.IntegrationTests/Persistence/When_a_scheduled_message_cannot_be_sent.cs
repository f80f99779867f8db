using Microsoft.EntityFrameworkCore;

namespace SoukLoop.IntegrationTests.Persistence;

public class When_a_scheduled_message_cannot_be_sent(InProcessFixture system) : IClassFixture<InProcessFixture>
{
    /// <summary>The dispatcher's loop: a pass that throws is logged and the next poll tries again.</summary>
    async Task PassesAsync(int count)
    {
        for (var pass = 0; pass < count; pass++)
        {
            try { await system.Dispatcher.DispatchDueAsync(CancellationToken.None); }
            catch (Exception) { /* the loop logs it and polls again */ }
        }
    }

    [Fact]
    public async Task Should_still_fire_the_rows_due_after_it()
    {
        var queue = await system.ProbeQueueAsync($"probe-{Guid.NewGuid():N}");
        var stuck = new PersistenceProbe(Guid.NewGuid());
        var next = new PersistenceProbe(Guid.NewGuid());
        // Due first, to an address no transport of this bus can send to: every send of it fails.
        var stuckToken = await system.ScheduleAsync(new Uri("loopback://localhost/nowhere"), DateTime.UtcNow.AddSeconds(-10), stuck);
        var nextToken = await system.ScheduleAsync(queue.Address, DateTime.UtcNow.AddSeconds(-5), next);

        await PassesAsync(3);

        Assert.True(await queue.ArrivedAsync(next.Id, TimeSpan.FromSeconds(10)), "the row due after the failing one did not fire");
        Assert.Single(queue.Received[next.Id]);
        await using var db = system.NewDbContext();
        var fired = await db.ScheduledMessages.AsNoTracking().SingleAsync(s => s.TokenId == nextToken);
        Assert.NotNull(fired.FiredAt);
        var failing = await db.ScheduledMessages.AsNoTracking().SingleAsync(s => s.TokenId == stuckToken);
        Assert.Null(failing.FiredAt);
        Assert.True(failing.Attempts >= 1, $"attempts {failing.Attempts}");
        Assert.NotNull(failing.LastError);
        Assert.True(failing.NextAttemptAt > failing.DueAt, "a failed row is tried again later, not on the next poll");
    }

    [Fact]
    public async Task Should_set_it_aside_as_failed_after_its_attempts()
    {
        var stuck = new PersistenceProbe(Guid.NewGuid());
        var token = await system.ScheduleAsync(new Uri("loopback://localhost/nowhere"), DateTime.UtcNow.AddSeconds(-10), stuck);
        await using var db = system.NewDbContext();
        var attempts = new global::SoukLoop.Persistence.Scheduling.SchedulerOptions().MaxAttempts;
        for (var attempt = 0; attempt < attempts + 2; attempt++)
        {
            // Its back-off has passed (without waiting for it): the row is due for another attempt.
            await db.Database.ExecuteSqlAsync($"UPDATE scheduled_messages SET next_attempt_at = now() WHERE token_id = {token} AND failed_at IS NULL");
            await PassesAsync(1);
        }

        var row = await db.ScheduledMessages.AsNoTracking().SingleAsync(s => s.TokenId == token);
        Assert.Equal(attempts, row.Attempts);
        Assert.NotNull(row.FailedAt);
        Assert.Null(row.FiredAt);
        Assert.Null(row.CancelledAt);
        Assert.Contains("loopback", row.LastError);
    }
}

public class When_the_app_clock_disagrees_with_the_database(InProcessFixture system) : IClassFixture<InProcessFixture>
{
    [Fact]
    public async Task Should_decide_what_is_due_by_the_database_clock()
    {
        var queue = await system.ProbeQueueAsync($"probe-{Guid.NewGuid():N}");
        var due = new PersistenceProbe(Guid.NewGuid());
        var notYet = new PersistenceProbe(Guid.NewGuid());
        var dueToken = await system.ScheduleAsync(queue.Address, DateTime.UtcNow.AddHours(1), due);
        var notYetToken = await system.ScheduleAsync(queue.Address, DateTime.UtcNow.AddHours(1), notYet);
        await using var db = system.NewDbContext();
        // Due times as the database sees them: one a second ago, one in two minutes.
        await db.Database.ExecuteSqlAsync($"UPDATE scheduled_messages SET due_at = now() - interval '1 second' WHERE token_id = {dueToken}");
        await db.Database.ExecuteSqlAsync($"UPDATE scheduled_messages SET due_at = now() + interval '2 minutes' WHERE token_id = {notYetToken}");

        try
        {
            // A Workers machine whose clock is ten minutes late still fires what is due...
            system.Clock.Offset = TimeSpan.FromMinutes(-10);
            await system.Dispatcher.DispatchDueAsync(CancellationToken.None);
            // ...and one whose clock is ten minutes early fires nothing before its time.
            system.Clock.Offset = TimeSpan.FromMinutes(10);
            await system.Dispatcher.DispatchDueAsync(CancellationToken.None);
        }
        finally
        {
            system.Clock.Offset = TimeSpan.Zero;
        }

        Assert.True(await queue.ArrivedAsync(due.Id, TimeSpan.FromSeconds(10)), "a row due by the database clock did not fire");
        await Task.Delay(500);
        Assert.False(queue.Received.ContainsKey(notYet.Id), "a row not yet due by the database clock fired");
        Assert.NotNull((await db.ScheduledMessages.AsNoTracking().SingleAsync(s => s.TokenId == dueToken)).FiredAt);
        Assert.Null((await db.ScheduledMessages.AsNoTracking().SingleAsync(s => s.TokenId == notYetToken)).FiredAt);
    }
}
