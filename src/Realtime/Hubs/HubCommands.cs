using Microsoft.Extensions.Options;
using SoukLoop.Contracts;
using SoukLoop.Realtime.Infrastructure;
using SoukLoop.ServiceDefaults;

namespace SoukLoop.Realtime.Hubs;

/// <summary>
/// Sends the hub's commands through the <see cref="CommandGateway"/>, exactly as the Api does, and turns the Workers'
/// refusals and the gateway's other outcomes into <see cref="HubRequestException"/>s (answered as <c>error {code, detail}</c>,
/// docs/realtime.md "Errors"). Successes need no answer here: the events they cause (MessageSent, OfferMade, …) reach every
/// audience through the consumers.
/// </summary>
public sealed class HubCommands(CommandGateway gateway, IOptions<RealtimeOptions> options)
{
    TimeSpan Wait => options.Value.CommandTimeout;

    public async Task SendMessageAsync(SendMessage command, CancellationToken cancellationToken)
    {
        var outcome = await gateway.Send<SendMessage, MessageSent, MessageRejected>(command, Wait, cancellationToken);
        if (outcome.Answer is MessageRejected rejected)
            throw new HubRequestException(rejected.Code, rejected.Detail);
        ThrowUnlessAnswered(outcome,
            "The message is not confirmed yet; it stays queued and arrives as message:new once stored. Sending it again with the same client_message_id stores it once.");
    }

    public Task OfferAsync(MakeOffer command, CancellationToken cancellationToken) =>
        Offer(command, cancellationToken, "The offer is still being processed; it stays queued and arrives as offer:created once applied.");

    public Task OfferAsync(AcceptOffer command, CancellationToken cancellationToken) => Offer(command, cancellationToken);

    public Task OfferAsync(DeclineOffer command, CancellationToken cancellationToken) => Offer(command, cancellationToken);

    public Task OfferAsync(CounterOffer command, CancellationToken cancellationToken) => Offer(command, cancellationToken);

    async Task Offer<T>(T command, CancellationToken cancellationToken,
        string pending = "The move is still being processed; it stays queued and arrives as offer:updated once applied.") where T : class
    {
        var outcome = await gateway.Send<T, OfferStatus, OfferRejected, OfferNotFound>(command, Wait, cancellationToken);
        switch (outcome.Answer)
        {
            case OfferRejected rejected:
                throw new HubRequestException(rejected.Code, rejected.Detail);
            case OfferNotFound:
                throw new HubRequestException("offer_not_found", "The offer does not exist.");
        }
        ThrowUnlessAnswered(outcome, pending);
    }

    static void ThrowUnlessAnswered(CommandOutcome outcome, string pending)
    {
        switch (outcome.Result)
        {
            case CommandResult.Pending:
                throw new HubRequestException("request_timeout", pending);
            case CommandResult.Faulted:
                throw new HubRequestException("processing_failed", "The request could not be processed right now; nothing was applied. Try again later.");
            case CommandResult.BrokerDown:
                throw new HubRequestException("dependency_unavailable", "The message broker is unavailable.");
        }
    }
}
