using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using SoukLoop.Realtime.Hubs;
using SoukLoop.Realtime.Infrastructure;

namespace SoukLoop.Realtime.State;

/// <summary>
/// Runs on every node: announces typing indicators whose time ran out (<c>typing:inactive</c>) and drops connections
/// silent for longer than the presence timeout (<c>user:offline</c> when that was the user's last one). Both pops are
/// atomic in Redis, so each expiry is announced by exactly one node, also after a node died with live connections.
/// </summary>
public sealed partial class RealtimeSweeper(
    IServiceScopeFactory scopes,
    IHubContext<RealtimeHub> hub,
    TypingStore typing,
    PresenceStore presence,
    IOptions<RealtimeOptions> options,
    ILogger<RealtimeSweeper> logger) : BackgroundService
{
    const int Batch = 200;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepInterval);
        do
        {
            try
            {
                await SweepTypingAsync(stoppingToken);
                await SweepPresenceAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogSweepFailed(logger, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    public async Task SweepTypingAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<(Guid ConversationId, Guid UserId, Guid RecipientId)> expired;
        do
        {
            expired = await typing.PopExpiredAsync(Batch);
            foreach (var (conversationId, userId, recipientId) in expired)
                await hub.Clients.User(Audience.User(recipientId))
                    .SendAsync(ServerEvents.TypingInactive, new TypingEvent(conversationId, userId), cancellationToken);
        }
        while (expired.Count == Batch);
    }

    public async Task SweepPresenceAsync(CancellationToken cancellationToken)
    {
        var due = await presence.DueAsync(Batch);
        if (due.Count == 0)
            return;

        await using var scope = scopes.CreateAsyncScope();
        var notifier = scope.ServiceProvider.GetRequiredService<PresenceNotifier>();
        foreach (var (userId, connectionId) in due)
        {
            if (await presence.ExpireAsync(userId, connectionId))
            {
                LogWentSilent(logger, userId, connectionId);
                await notifier.OfflineAsync(userId, cancellationToken);
            }
        }
    }

    [LoggerMessage(LogLevel.Warning, "Realtime sweep failed; retrying on the next tick")]
    static partial void LogSweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(LogLevel.Information, "User {UserId} is offline: connection {ConnectionId} sent no heartbeat within the presence timeout")]
    static partial void LogWentSilent(ILogger logger, Guid userId, string connectionId);
}
