namespace SoukLoop.Contracts;

/// <summary>
/// Support asks the Workers for the diagrams of their state machines, generated from the machines themselves.
/// <paramref name="Machine"/> names one (for example <c>offer</c>); null asks for all of them.
/// </summary>
public record GetStateMachineGraph(string? Machine);

/// <summary>The answer to <see cref="GetStateMachineGraph"/>: one graph per machine.</summary>
public record StateMachineGraphs(IReadOnlyList<StateMachineGraphInfo> Machines);

/// <summary>
/// One machine: its states, the events it consumes, the transitions between states (precise: from, event, to) and
/// the raw vertices and edges of MassTransit's <c>GetGraph()</c>.
/// </summary>
public record StateMachineGraphInfo(
    string Name,
    string MachineType,
    string InstanceType,
    IReadOnlyList<string> States,
    IReadOnlyList<string> FinalStates,
    IReadOnlyList<StateMachineEventInfo> Events,
    IReadOnlyList<StateMachineTransitionInfo> Transitions,
    IReadOnlyList<StateMachineVertexInfo> Vertices,
    IReadOnlyList<StateMachineEdgeInfo> Edges);

public record StateMachineEventInfo(string Name, string? MessageType);

/// <summary>
/// In state <paramref name="From"/>, <paramref name="Event"/> leads to <paramref name="To"/>. <paramref name="Kind"/> is
/// <c>transition</c>, <c>stays</c> (handled without a state change) or <c>on_error</c> (the path taken when
/// <paramref name="Exception"/> is caught).
/// </summary>
public record StateMachineTransitionInfo(string From, string Event, string To, string Kind, string? Exception);

public record StateMachineVertexInfo(string Kind, string Title, string? TargetType);

public record StateMachineEdgeInfo(string From, string To);
