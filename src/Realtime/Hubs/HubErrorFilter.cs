using Microsoft.AspNetCore.SignalR;
using Npgsql;
using StackExchange.Redis;

namespace SoukLoop.Realtime.Hubs;

/// <summary>
/// Every failure of a hub method becomes <c>error {code, detail}</c> to the calling connection only; the invocation
/// itself completes normally. Nothing a client sends leads to an unhandled server error.
/// </summary>
public sealed partial class HubErrorFilter(ILogger<HubErrorFilter> logger) : IHubFilter
{
    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext context, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        ErrorEvent error;
        try
        {
            return await next(context);
        }
        catch (HubRequestException ex)
        {
            error = new ErrorEvent(ex.Code, ex.Message);
        }
        catch (OperationCanceledException) when (context.Context.ConnectionAborted.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception ex) when (ex is RedisException or NpgsqlException or TimeoutException
                                       || ex.InnerException is RedisException or NpgsqlException or TimeoutException)
        {
            LogDependency(logger, ex, context.HubMethodName);
            error = new ErrorEvent("dependency_unavailable", "A backing service is unavailable; try again shortly.");
        }
        catch (Exception ex)
        {
            LogFailure(logger, ex, context.HubMethodName);
            error = new ErrorEvent("internal_error", "The request could not be processed.");
        }

        await context.Hub.Clients.Caller.SendAsync(ServerEvents.Error, error, context.Context.ConnectionAborted);
        return null;
    }

    [LoggerMessage(LogLevel.Warning, "Hub method {Method} failed: a dependency is unavailable")]
    static partial void LogDependency(ILogger logger, Exception exception, string method);

    [LoggerMessage(LogLevel.Error, "Hub method {Method} failed")]
    static partial void LogFailure(ILogger logger, Exception exception, string method);
}
