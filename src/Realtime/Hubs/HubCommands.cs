using MassTransit;
using Microsoft.Extensions.Options;
using SoukLoop.Contracts;
using SoukLoop.Realtime.Infrastructure;

namespace SoukLoop.Realtime.Hubs;

/// <summary>
/// Sends the hub's commands with request clients, exactly as the Api does, and turns the Workers' refusals into
/// <see cref="HubRequestException"/>s (answered as <c>error {code, detail}</c>). Successes need no answer here: the
/// events they cause (MessageSent, OfferMade, …) reach every audience through the consumers.
/// </summary>
public sealed class HubCommands(
    IRequestClient<SendMessage> sendMessage,
    IRequestClient<MakeOffer> makeOffer,
    IRequestClient<AcceptOffer> acceptOffer,
    IRequestClient<DeclineOffer> declineOffer,
    IRequestClient<CounterOffer> counterOffer,
    IOptions<RealtimeOptions> options)
{
    public static void Register(IBusRegistrationConfigurator x)
    {
        x.AddRequestClient<SendMessage>();
        x.AddRequestClient<MakeOffer>();
        x.AddRequestClient<AcceptOffer>();
        x.AddRequestClient<DeclineOffer>();
        x.AddRequestClient<CounterOffer>();
    }

    RequestTimeout Timeout => RequestTimeout.After(ms: (int)options.Value.CommandTimeout.TotalMilliseconds);

    public async Task SendMessageAsync(SendMessage command, CancellationToken cancellationToken)
    {
        var response = await Ask(() => sendMessage.GetResponse<MessageSent, MessageRejected>(command, cancellationToken, Timeout),
            "The message is not confirmed yet; send it again with the same client_message_id to be sure it is stored once.");
        if (response.Is(out Response<MessageRejected>? rejected))
            throw new HubRequestException(rejected.Message.Code, rejected.Message.Detail);
    }

    public Task OfferAsync(MakeOffer command, CancellationToken cancellationToken) =>
        Offer(makeOffer, command, cancellationToken, "The offer is still being processed; it arrives as offer:created once applied.");

    public Task OfferAsync(AcceptOffer command, CancellationToken cancellationToken) => Offer(acceptOffer, command, cancellationToken);

    public Task OfferAsync(DeclineOffer command, CancellationToken cancellationToken) => Offer(declineOffer, command, cancellationToken);

    public Task OfferAsync(CounterOffer command, CancellationToken cancellationToken) => Offer(counterOffer, command, cancellationToken);

    async Task Offer<T>(IRequestClient<T> client, T command, CancellationToken cancellationToken,
        string pending = "The move is still being processed; it arrives as offer:updated once applied.") where T : class
    {
        var response = await Ask(() => client.GetResponse<OfferStatus, OfferRejected, OfferNotFound>(command, cancellationToken, Timeout), pending);
        if (response.Is(out Response<OfferRejected>? rejected))
            throw new HubRequestException(rejected.Message.Code, rejected.Message.Detail);
        if (response.Is(out Response<OfferNotFound>? _))
            throw new HubRequestException("offer_not_found", "The offer does not exist.");
    }

    static async Task<TResponse> Ask<TResponse>(Func<Task<TResponse>> request, string pending)
    {
        try
        {
            return await request();
        }
        catch (RequestTimeoutException)
        {
            throw new HubRequestException("request_timeout", pending);
        }
        catch (RequestFaultException)
        {
            throw new HubRequestException("processing_failed", "The request could not be processed right now; nothing was applied. Try again later.");
        }
        catch (Exception ex) when (ex is MassTransitException or TimeoutException)
        {
            throw new HubRequestException("dependency_unavailable", "The message broker is unavailable.");
        }
    }
}
