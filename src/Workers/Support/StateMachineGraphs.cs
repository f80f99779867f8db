using MassTransit;
using SoukLoop.Contracts;
using SoukLoop.Persistence.Model;
using SoukLoop.Workers.Offers;

namespace SoukLoop.Workers.Support;

/// <summary>
/// The state machines support can see as diagrams (GET /api/v1/support/state-machines). The Api asks the Workers for
/// them with <see cref="GetStateMachineGraph"/>, so it needs no reference to the machines' code.
/// </summary>
public static class StateMachineGraphRegistration
{
    public static void AddStateMachineGraphs(this IBusRegistrationConfigurator x)
    {
        // One line per machine: name (as in the URL) and the machine.
        x.AddStateMachineGraph<OfferStateMachine, OfferState>("offer");

        x.AddConsumer<GetStateMachineGraphConsumer>().Endpoint(e => e.Name = "support-state-machines");
    }

    public static void AddStateMachineGraph<TMachine, TInstance>(this IBusRegistrationConfigurator x, string name)
        where TMachine : SagaStateMachine<TInstance>
        where TInstance : class, SagaStateMachineInstance =>
        x.AddSingleton(sp => new StateMachineGraphSource(name, () => StateMachineGraphBuilder.Build(name, sp.GetRequiredService<TMachine>())));
}

public sealed class StateMachineGraphSource(string name, Func<StateMachineGraphInfo> build)
{
    readonly Lazy<StateMachineGraphInfo> _graph = new(build);

    public string Name => name;
    public StateMachineGraphInfo Graph => _graph.Value;
}

public sealed class GetStateMachineGraphConsumer(IEnumerable<StateMachineGraphSource> sources) : IConsumer<GetStateMachineGraph>
{
    public Task Consume(ConsumeContext<GetStateMachineGraph> context)
    {
        var wanted = context.Message.Machine;
        var graphs = sources
            .Where(s => wanted == null || string.Equals(s.Name, wanted, StringComparison.OrdinalIgnoreCase))
            .Select(s => s.Graph)
            .ToList();
        return context.RespondAsync(new StateMachineGraphs(graphs));
    }
}
