using Microsoft.AspNetCore.SignalR;
using SoukLoop.Realtime.State;
using SoukLoop.Realtime.Infrastructure;

namespace SoukLoop.Realtime.Hubs;

/// <summary>Tells a user's conversation partners (every device of each) that the user came online or went offline.</summary>
public sealed class PresenceNotifier(IHubContext<RealtimeHub> hub, ConversationDirectory directory)
{
    public Task OnlineAsync(Guid userId, CancellationToken cancellationToken = default) =>
        NotifyAsync(userId, ServerEvents.UserOnline, cancellationToken);

    public Task OfflineAsync(Guid userId, CancellationToken cancellationToken = default) =>
        NotifyAsync(userId, ServerEvents.UserOffline, cancellationToken);

    async Task NotifyAsync(Guid userId, string @event, CancellationToken cancellationToken)
    {
        var partners = await directory.PartnersAsync(userId, cancellationToken);
        if (partners.Count == 0)
            return;
        await hub.Clients.Users(partners.Select(Audience.User).ToList()).PushAsync(@event, new PresenceEvent(userId), cancellationToken);
    }
}
