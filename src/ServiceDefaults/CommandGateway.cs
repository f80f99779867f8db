using MassTransit;
using Microsoft.Extensions.Logging;

namespace SoukLoop.ServiceDefaults;

/// <summary>How a command sent through the <see cref="CommandGateway"/> ended within its wait.</summary>
public enum CommandResult
{
    /// <summary>The Workers answered; <see cref="CommandOutcome.Answer"/> is their answer.</summary>
    Answered,

    /// <summary>No answer within the wait: the command stays queued and is applied when the Workers can (202).</summary>
    Pending,

    /// <summary>The Workers faulted on it after their retries and sent the fault back within the wait.</summary>
    Faulted,

    /// <summary>The broker could not take the command: nothing was queued.</summary>
    BrokerDown
}

public sealed record CommandOutcome(CommandResult Result, object? Answer = null)
{
    public static readonly CommandOutcome Pending = new(CommandResult.Pending);
    public static readonly CommandOutcome Faulted = new(CommandResult.Faulted);
    public static readonly CommandOutcome BrokerDown = new(CommandResult.BrokerDown);
}

/// <summary>
/// The one way the Api and the Realtime node send a command to the Workers and wait for its answer (src/Api/README.md
/// "202 processing", docs/realtime.md "Errors"): the command is sent without a time-to-live, the caller waits at most
/// <c>wait</c>, and the outcome is an answer, pending (still queued), a fault, or a broker that is down.
/// </summary>
public sealed class CommandGateway(IScopedClientFactory clients, ILogger<CommandGateway> log)
{
    public Task<CommandOutcome> Send<TCommand, T1, T2>(TCommand command, TimeSpan wait, CancellationToken cancellationToken)
        where TCommand : class where T1 : class where T2 : class =>
        Ask(command, wait, async (client, pipe, timeout) =>
            (await client.GetResponse<T1, T2>(command, pipe, cancellationToken, timeout)).Message);

    public Task<CommandOutcome> Send<TCommand, T1, T2, T3>(TCommand command, TimeSpan wait, CancellationToken cancellationToken)
        where TCommand : class where T1 : class where T2 : class where T3 : class =>
        Ask(command, wait, async (client, pipe, timeout) =>
            (await client.GetResponse<T1, T2, T3>(command, pipe, cancellationToken, timeout)).Message);

    async Task<CommandOutcome> Ask<TCommand>(TCommand command, TimeSpan wait,
        Func<IRequestClient<TCommand>, RequestPipeConfiguratorCallback<TCommand>, RequestTimeout, Task<object>> request)
        where TCommand : class
    {
        try
        {
            // No time-to-live: MassTransit gives a request its wait as the message's TTL, so RabbitMQ would drop the command
            // once the Workers are away longer than the wait, while the caller was told 202 "processing". The pipe runs after
            // that default is set (RequestTimeout.None cannot be used: 8.5 reads its Value anyway and throws).
            var answer = await request(clients.CreateRequestClient<TCommand>(), x => x.UseExecute(context => context.TimeToLive = null),
                RequestTimeout.After(ms: (int)wait.TotalMilliseconds));
            return new CommandOutcome(CommandResult.Answered, answer);
        }
        catch (RequestTimeoutException)
        {
            return CommandOutcome.Pending;
        }
        catch (RequestFaultException ex)
        {
            // The message waits in its `_error` queue and in message_faults for support to re-drive (docs/support.md).
            log.LogWarning(ex, "{Command} faulted in the Workers", typeof(TCommand).Name);
            return CommandOutcome.Faulted;
        }
        catch (Exception ex) when (ex is MassTransitException or TimeoutException)
        {
            log.LogWarning(ex, "{Command} could not be sent: the broker is unavailable", typeof(TCommand).Name);
            return CommandOutcome.BrokerDown;
        }
    }
}
