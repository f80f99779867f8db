using MassTransit;
using Microsoft.AspNetCore.SignalR;
using SoukLoop.Contracts;
using SoukLoop.Realtime.Hubs;
using SoukLoop.Realtime.Infrastructure;

namespace SoukLoop.Realtime.Consumers;

/// <summary>A stored message: <c>message:new</c> to every device of the recipient, <c>message:delivered</c> to every device of the sender.</summary>
public sealed class MessageSentConsumer(IHubContext<RealtimeHub> hub) : IConsumer<MessageSent>
{
    public const string Queue = "realtime-message-sent";

    public async Task Consume(ConsumeContext<MessageSent> context)
    {
        var m = context.Message;
        var message = MessagePayload.From(m);
        await hub.Clients.User(Audience.User(m.RecipientId)).PushAsync(ServerEvents.MessageNew, message, context.CancellationToken);
        if (m.SenderId != Guid.Empty && m.SenderId != m.RecipientId)
            await hub.Clients.User(Audience.User(m.SenderId)).PushAsync(ServerEvents.MessageDelivered, message, context.CancellationToken);
    }
}

/// <summary>A whole conversation was read: <c>messages:read {conversation_id, reader_id}</c> to the other participant.</summary>
public sealed class ConversationReadConsumer(IHubContext<RealtimeHub> hub) : IConsumer<ConversationRead>
{
    public const string Queue = "realtime-conversation-read";

    public Task Consume(ConsumeContext<ConversationRead> context)
    {
        var m = context.Message;
        return hub.Clients.User(Audience.User(m.OtherUserId))
            .PushAsync(ServerEvents.MessagesRead, new MessagesReadEvent(m.ConversationId, m.ReaderId), context.CancellationToken);
    }
}

/// <summary>One message was read: <c>message:read</c> (a read receipt) to the sender.</summary>
public sealed class MessageReadConsumer(IHubContext<RealtimeHub> hub) : IConsumer<MessageRead>
{
    public const string Queue = "realtime-message-read";

    public Task Consume(ConsumeContext<MessageRead> context)
    {
        var m = context.Message;
        return hub.Clients.User(Audience.User(m.SenderId))
            .PushAsync(ServerEvents.MessageRead, new MessageReadEvent(m.ConversationId, m.MessageId, m.ReaderId, m.ReadAt), context.CancellationToken);
    }
}
