using MassTransit;

namespace SoukLoop.Workers.Messaging;

public static class MessagingRegistration
{
    /// <summary>The conversation consumers, each on its own queue (send-message, mark-conversation-read, mark-message-read).</summary>
    public static void AddConversationMessaging(this IBusRegistrationConfigurator x, IConfiguration configuration)
    {
        x.AddOptions<MessagingWorkerOptions>().Bind(configuration.GetSection(MessagingWorkerOptions.Section));
        x.AddConsumer<SendMessageConsumer, SendMessageConsumerDefinition>();
        x.AddConsumer<MarkConversationReadConsumer, MarkConversationReadConsumerDefinition>();
        x.AddConsumer<MarkMessageReadConsumer, MarkMessageReadConsumerDefinition>();
    }
}
