using MassTransit;

namespace SoukLoop.IntegrationTests;

public interface IBusHandle : IAsyncDisposable
{
    IBusControl Bus { get; }
}

/// <summary>A plain bus on the fixture's virtual host, for sending exactly the messages a test needs (fixed ids, duplicates).</summary>
sealed class BusHandle(IBusControl bus) : IBusHandle
{
    public IBusControl Bus { get; } = bus;

    public static async Task<IBusHandle> StartAsync(SystemFixture system)
    {
        var bus = MassTransit.Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(TestEnvironment.RabbitHost, ushort.Parse(TestEnvironment.RabbitPort), system.VirtualHost, h =>
            {
                h.Username(TestEnvironment.RabbitUser);
                h.Password(TestEnvironment.RabbitPassword);
            });
        });
        await bus.StartAsync();
        return new BusHandle(bus);
    }

    public async ValueTask DisposeAsync() => await Bus.StopAsync();
}
