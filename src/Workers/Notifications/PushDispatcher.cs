using Microsoft.EntityFrameworkCore;
using SoukLoop.Persistence;
using StackExchange.Redis;

namespace SoukLoop.Workers.Notifications;

/// <summary>
/// Sends one notification to every device of one user. Each (event message id, device token) is claimed in
/// <c>push_deliveries</c> before the send: a redelivered event finds its claims and never pushes twice to the same device.
/// A token FCM calls dead is removed; a send that still fails after the HTTP retries releases its claim and fails the message,
/// so the redelivery tries that device again (and only the devices not yet reached).
/// </summary>
public class PushDispatcher(SoukDbContext db, FcmClient fcm, IConnectionMultiplexer redis, Microsoft.Extensions.Options.IOptions<FcmOptions> options,
    ILogger<PushDispatcher> logger)
{
    public async Task<bool> IsOnlineAsync(Guid userId)
    {
        try
        {
            return await redis.GetDatabase().SetContainsAsync(options.Value.OnlineUsersKey, userId.ToString());
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            logger.LogWarning(ex, "Presence unknown (Redis unreachable): treating user {UserId} as offline", userId);
            return false;
        }
    }

    public async Task SendAsync(Guid eventMessageId, Guid userId, PushNotification notification, CancellationToken cancellationToken)
    {
        var devices = await db.DeviceTokens.AsNoTracking().Where(d => d.UserId == userId).OrderBy(d => d.CreatedAt).ToListAsync(cancellationToken);
        var failures = new List<Exception>();
        foreach (var device in devices)
        {
            var now = DateTime.UtcNow;
            var claimed = await db.Database.ExecuteSqlAsync($"""
                INSERT INTO push_deliveries (event_message_id, token, user_id, kind, claimed_at)
                VALUES ({eventMessageId}, {device.Token}, {userId}, {notification.Kind}, {now})
                ON CONFLICT DO NOTHING
                """, cancellationToken);
            if (claimed == 0)
            {
                logger.LogDebug("Push {Kind} of message {MessageId} already went to a device of user {UserId}", notification.Kind, eventMessageId, userId);
                continue;
            }

            try
            {
                var result = await fcm.SendAsync(notification.ToFcmMessage(device), cancellationToken);
                if (result.Outcome == PushOutcome.Sent)
                {
                    await db.Database.ExecuteSqlAsync($"""
                        UPDATE push_deliveries SET sent_at = {DateTime.UtcNow}, fcm_message_name = {result.Name}
                        WHERE event_message_id = {eventMessageId} AND token = {device.Token}
                        """, cancellationToken);
                    logger.LogInformation("Pushed {Kind} to user {UserId} ({Platform} device)", notification.Kind, userId, device.Platform);
                }
                else
                {
                    await db.Database.ExecuteSqlAsync(
                        $"DELETE FROM device_tokens WHERE token = {device.Token} AND user_id = {userId}", cancellationToken);
                    logger.LogInformation("Removed the dead device token of user {UserId} ({Code})", userId, result.ErrorCode);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                await db.Database.ExecuteSqlAsync(
                    $"DELETE FROM push_deliveries WHERE event_message_id = {eventMessageId} AND token = {device.Token}", CancellationToken.None);
                logger.LogWarning(ex, "Push {Kind} to a device of user {UserId} failed; it is retried with the message", notification.Kind, userId);
                failures.Add(ex);
            }
        }
        if (failures.Count > 0)
            throw new AggregateException($"{failures.Count} of {devices.Count} push(es) to user {userId} failed", failures);
    }
}
