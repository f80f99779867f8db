using Microsoft.Extensions.Options;
using SoukLoop.Api.Infrastructure;
using SoukLoop.Persistence;

namespace SoukLoop.Api.Idempotency;

/// <summary>Marks an endpoint as honouring the Idempotency-Key header (also shown in the OpenAPI document).</summary>
public sealed class IdempotentEndpointMetadata;

public static class IdempotencyExtensions
{
    /// <summary>Honour the Idempotency-Key header on this POST/PATCH endpoint (or every endpoint of a group).</summary>
    public static TBuilder WithIdempotency<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.AddEndpointFilter<TBuilder, IdempotencyFilter>();
        builder.WithMetadata(new IdempotentEndpointMetadata());
        return builder;
    }

    public static IServiceCollection AddSoukIdempotency(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<IdempotencyOptions>().Bind(configuration.GetSection(IdempotencyOptions.Section));
        services.AddHostedService<IdempotencyPurgeService>();
        return services;
    }
}

/// <summary>Deletes stored answers past their retention, once at start and then every <see cref="IdempotencyOptions.PurgeInterval"/>.</summary>
public sealed class IdempotencyPurgeService(
    IServiceScopeFactory scopes, IOptions<IdempotencyOptions> options, TimeProvider time, ILogger<IdempotencyPurgeService> log)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PurgeInterval, time);
        do
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<SoukDbContext>();
                var purged = await IdempotencyStore.PurgeAsync(db, time.UtcNow() - options.Value.Retention, stoppingToken);
                if (purged > 0)
                    log.LogInformation("Purged {Count} expired idempotency records", purged);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                log.LogWarning(ex, "Purging expired idempotency records failed; will retry");
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
