using System.Collections.Concurrent;
using MassTransit;
using SoukLoop.Contracts;

namespace SoukLoop.UnitTests.Infrastructure;

/// <summary>
/// What the bus consumed and published, recorded as it happens. The harness's own lists stop waiting for good once the
/// bus was idle for a moment (its inactivity token), and a response reaches the test before the saga has saved its
/// state and written the timeline; so the specs wait here, on the saga's consume notification, which MassTransit raises
/// only after the saga repository finished with the message.
/// </summary>
public sealed class BusLog : IConsumeObserver, IPublishObserver, ISendObserver
{
    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);
    static readonly HashSet<Type> Responses = [typeof(OfferStatus), typeof(OfferRejected), typeof(OfferNotFound)];

    readonly ConcurrentQueue<Consumed> _consumed = new();
    readonly ConcurrentQueue<object> _published = new();
    readonly ConcurrentQueue<Sent> _sent = new();
    readonly ConcurrentDictionary<Guid, TaskCompletionSource<Exception?>> _done = new();

    public record Consumed(object Message, Guid? MessageId, Guid? RequestId, Exception? Fault);

    /// <summary>A message sent point-to-point, with the delay a scheduler asked the transport for.</summary>
    public record Sent(object Message, TimeSpan? Delay);

    public IEnumerable<object> Published => _published;

    public IEnumerable<Sent> SentMessages => _sent;

    public IEnumerable<T> ConsumedMessages<T>() where T : class =>
        _consumed.Where(c => c.Fault == null).Select(c => c.Message).OfType<T>();

    /// <summary>Waits until the saga finished consuming the message with this message id or request id.</summary>
    public async Task Finished(Guid id, string what)
    {
        Exception? fault;
        try
        {
            fault = await Entry(id).Task.WaitAsync(Timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"The saga did not finish consuming {what} within {Timeout.TotalSeconds} s.");
        }

        if (fault != null)
            throw new InvalidOperationException($"The saga faulted on {what}: {fault.GetType().Name}: {fault.Message}", fault);
    }

    /// <summary>Waits until <paramref name="count"/> messages of type <typeparamref name="T"/> matching the filter were consumed.</summary>
    public async Task Consumes<T>(Func<T, bool> filter, int count) where T : class
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (ConsumedMessages<T>().Count(filter) < count)
        {
            var faulted = _consumed.FirstOrDefault(c => c.Fault != null && c.Message is T m && filter(m));
            if (faulted != null)
                throw new InvalidOperationException($"The saga faulted on {typeof(T).Name}: {faulted.Fault!.Message}", faulted.Fault);
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Expected {count} {typeof(T).Name} to be consumed, saw {ConsumedMessages<T>().Count(filter)}.");
            await Task.Delay(10);
        }
    }

    TaskCompletionSource<Exception?> Entry(Guid id) =>
        _done.GetOrAdd(id, _ => new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously));

    void Record<T>(ConsumeContext<T> context, Exception? fault) where T : class
    {
        // Responses are consumed by the request client, not by the saga: they say nothing about the saga being done.
        if (Responses.Contains(typeof(T)))
            return;

        _consumed.Enqueue(new Consumed(context.Message, context.MessageId, context.RequestId, fault));
        if (context.MessageId is { } messageId)
            Entry(messageId).TrySetResult(fault);
        if (context.RequestId is { } requestId)
            Entry(requestId).TrySetResult(fault);
    }

    public Task PreConsume<T>(ConsumeContext<T> context) where T : class => Task.CompletedTask;

    public Task PostConsume<T>(ConsumeContext<T> context) where T : class
    {
        Record(context, null);
        return Task.CompletedTask;
    }

    public Task ConsumeFault<T>(ConsumeContext<T> context, Exception exception) where T : class
    {
        Record(context, exception);
        return Task.CompletedTask;
    }

    public Task PrePublish<T>(PublishContext<T> context) where T : class => Task.CompletedTask;

    public Task PostPublish<T>(PublishContext<T> context) where T : class
    {
        _published.Enqueue(context.Message);
        return Task.CompletedTask;
    }

    public Task PublishFault<T>(PublishContext<T> context, Exception exception) where T : class => Task.CompletedTask;

    public Task PreSend<T>(SendContext<T> context) where T : class => Task.CompletedTask;

    public Task PostSend<T>(SendContext<T> context) where T : class
    {
        _sent.Enqueue(new Sent(context.Message, context.Delay));
        return Task.CompletedTask;
    }

    public Task SendFault<T>(SendContext<T> context, Exception exception) where T : class => Task.CompletedTask;
}
