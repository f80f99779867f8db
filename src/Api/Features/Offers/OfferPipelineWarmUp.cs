using System.Diagnostics;
using MassTransit;
using Microsoft.Extensions.Options;
using SoukLoop.Contracts;

namespace SoukLoop.Api.Features.Offers;

/// <summary>
/// Right after start, asks the offer saga for an offer that does not exist, until it answers: the request client, the
/// broker topology and the Workers' saga path (EF model, connections, inbox) are then warm, so the first user after a
/// deploy gets 201 rather than the 202 of a cold pipeline. Changes nothing; gives up quietly after
/// <see cref="OfferApiOptions.WarmUpFor"/> (zero turns it off).
/// </summary>
public sealed class OfferPipelineWarmUp(IServiceScopeFactory scopes, IOptions<OfferApiOptions> options, ILogger<OfferPipelineWarmUp> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var budget = options.Value.WarmUpFor;
        if (budget <= TimeSpan.Zero)
            return;

        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < budget && !stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var client = scope.ServiceProvider.GetRequiredService<IRequestClient<GetOffer>>();
                await client.GetResponse<OfferStatus, OfferNotFound>(new GetOffer(NewId.NextGuid()), stoppingToken,
                    RequestTimeout.After(s: 10));
                logger.LogInformation("Offer pipeline warm after {Elapsed} ms", watch.ElapsedMilliseconds);
                return;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Workers not up yet, broker still connecting: try again; the first users may see 202 meanwhile.
                logger.LogDebug(ex, "Offer pipeline not answering yet");
                try { await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken); }
                catch (OperationCanceledException) { return; }
            }
        }
        if (!stoppingToken.IsCancellationRequested)
            logger.LogWarning("Offer pipeline did not answer within {Budget}: are the Workers running?", budget);
    }
}
