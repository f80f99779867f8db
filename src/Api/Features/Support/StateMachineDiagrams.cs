using MassTransit;
using Microsoft.Extensions.Options;
using SoukLoop.Contracts;

namespace SoukLoop.Api.Features.Support;

/// <summary>
/// The state machine diagrams, asked from the Workers (they own the machines; the Api references no Workers code) with
/// <see cref="GetStateMachineGraph"/> and kept for <see cref="SupportOptions.GraphCacheDuration"/>.
/// </summary>
public sealed class StateMachineDiagrams(IClientFactory clients, IOptions<SupportOptions> options, TimeProvider time)
{
    readonly SemaphoreSlim _gate = new(1, 1);
    (IReadOnlyList<StateMachineGraphInfo> Graphs, DateTimeOffset At)? _cached;

    /// <summary>All machines, or null when the Workers did not answer in time.</summary>
    public async Task<IReadOnlyList<StateMachineGraphInfo>?> AllAsync(CancellationToken cancellationToken)
    {
        if (_cached is { } fresh && time.GetUtcNow() - fresh.At < options.Value.GraphCacheDuration)
            return fresh.Graphs;

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_cached is { } again && time.GetUtcNow() - again.At < options.Value.GraphCacheDuration)
                return again.Graphs;
            var client = clients.CreateRequestClient<GetStateMachineGraph>(RequestTimeout.After(s: 10));
            var response = await client.GetResponse<StateMachineGraphs>(new GetStateMachineGraph(null), cancellationToken);
            _cached = (response.Message.Machines, time.GetUtcNow());
            return response.Message.Machines;
        }
        catch (Exception ex) when (ex is RequestTimeoutException or MassTransitException or TimeoutException)
        {
            return null;
        }
        finally
        {
            _gate.Release();
        }
    }
}

/// <summary>A machine as the support API shows it: states, events, transitions and MassTransit's raw graph.</summary>
public record SupportStateMachine(
    string Name, string MachineType, string InstanceType, IReadOnlyList<string> States, IReadOnlyList<string> FinalStates,
    IReadOnlyList<StateMachineEventInfo> Events, IReadOnlyList<StateMachineTransitionInfo> Transitions, SupportGraph Graph,
    string? Highlight, string Svg)
{
    public static SupportStateMachine From(StateMachineGraphInfo g, string? highlight) => new(
        g.Name, g.MachineType, g.InstanceType, g.States, g.FinalStates, g.Events, g.Transitions, new SupportGraph(g.Vertices, g.Edges),
        highlight, $"/api/v1/support/state-machines/{g.Name}.svg" + (highlight != null ? $"?highlight={highlight}" : ""));
}

public record SupportGraph(IReadOnlyList<StateMachineVertexInfo> Vertices, IReadOnlyList<StateMachineEdgeInfo> Edges);

public record SupportStateMachines(IReadOnlyList<SupportStateMachine> Machines);
