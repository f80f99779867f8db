namespace SoukLoop.Workers.Messaging;

public class MessagingWorkerOptions
{
    public const string Section = "Messages";

    /// <summary>
    /// Messages each messaging endpoint (send-message, mark-conversation-read, mark-message-read) works on at once in one
    /// Workers instance (<c>Messages:ConcurrentMessageLimit</c>), also its RabbitMQ prefetch. Each holds a Postgres
    /// connection for its transaction. MassTransit's default (twice the processor count, at most 16) is 4 on a 2-core
    /// host, too few for handlers that mostly wait on database round trips. Messages to one conversation serialize on its
    /// row lock whatever this is.
    /// </summary>
    public int ConcurrentMessageLimit { get; set; } = 16;
}
