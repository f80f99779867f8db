using MassTransit;
using MassTransit.SagaStateMachine;
using SoukLoop.Contracts;

namespace SoukLoop.Workers.Support;

/// <summary>
/// The diagram of a state machine, generated from the machine itself: MassTransit's <c>GetGraph()</c> (vertices are
/// states and events, edges state→event→state, merged across states) plus a visitor of our own that keeps which state
/// each transition starts from, so the diagram can draw exact <c>from —event→ to</c> arrows.
/// </summary>
public static class StateMachineGraphBuilder
{
    public static StateMachineGraphInfo Build<TInstance>(string name, SagaStateMachine<TInstance> machine)
        where TInstance : class, SagaStateMachineInstance
    {
        var visitor = new TransitionVisitor<TInstance>();
        machine.Accept(visitor);
        var transitions = visitor.Complete();

        var graph = machine.GetGraph();
        var vertices = graph.Vertices.Select(v => new StateMachineVertexInfo(KindOf(v), v.Title, v.TargetType == typeof(State) ? null : v.TargetType?.Name))
            .OrderBy(v => v.Kind).ThenBy(v => v.Title, StringComparer.Ordinal).ToList();
        var edges = graph.Edges.Select(e => new StateMachineEdgeInfo($"{KindOf(e.From)}:{e.From.Title}", $"{KindOf(e.To)}:{e.To.Title}"))
            .Distinct().OrderBy(e => e.From, StringComparer.Ordinal).ThenBy(e => e.To, StringComparer.Ordinal).ToList();

        var states = machine.States.Select(s => s.Name).ToList();
        var leaving = transitions.Where(t => t.Kind != "stays" && t.To != t.From).Select(t => t.From).ToHashSet();
        var finals = states.Where(s => s != machine.Initial.Name && !leaving.Contains(s)).ToList();
        var events = machine.Events
            .Select(e => new StateMachineEventInfo(e.Name, MessageTypeOf(e)))
            .OrderBy(e => e.Name, StringComparer.Ordinal).ToList();

        return new StateMachineGraphInfo(name, machine.GetType().Name, typeof(TInstance).Name, states, finals, events, transitions, vertices, edges);
    }

    static string KindOf(Vertex vertex) => vertex.VertexType == typeof(State) ? "state" : "event";

    static string? MessageTypeOf(Event @event) => @event.GetType().GetInterfaces()
        .Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(Event<>))
        .Select(i => i.GetGenericArguments()[0].Name)
        .FirstOrDefault();

    /// <summary>Walks every state's behaviors: for each (state, event), the transitions it makes, or "stays" when none.</summary>
    sealed class TransitionVisitor<TInstance> : StateMachineVisitor where TInstance : class, SagaStateMachineInstance
    {
        readonly List<StateMachineTransitionInfo> _transitions = [];
        readonly Stack<string> _catching = new();
        string? _state;
        string? _event;
        bool _moved;

        public List<StateMachineTransitionInfo> Complete()
        {
            Close();
            return _transitions.Distinct().ToList();
        }

        public void Visit(State state, Action<State> next)
        {
            Close();
            _state = state.Name;
            next(state);
        }

        public void Visit(Event @event, Action<Event> next)
        {
            Open(@event);
            next(@event);
        }

        public void Visit<TData>(Event<TData> @event, Action<Event<TData>> next) where TData : class
        {
            Open(@event);
            next(@event);
        }

        public void Visit(IStateMachineActivity activity) => Visit(activity, _ => { });

        public void Visit(IStateMachineActivity activity, Action<IStateMachineActivity> next)
        {
            if (activity is TransitionActivity<TInstance> transition && _state != null && _event != null)
            {
                var caught = _catching.Count > 0 ? _catching.Peek() : null;
                _transitions.Add(new StateMachineTransitionInfo(_state, _event, transition.ToState.Name, caught == null ? "transition" : "on_error", caught));
                _moved = true;
            }

            var type = activity.GetType();
            if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(CatchFaultActivity<,>))
            {
                _catching.Push(type.GetGenericArguments()[1].Name);
                try { next(activity); }
                finally { _catching.Pop(); }
                return;
            }
            next(activity);
        }

        public void Visit<T>(IBehavior<T> behavior) where T : class, SagaStateMachineInstance => Visit(behavior, _ => { });

        public void Visit<T>(IBehavior<T> behavior, Action<IBehavior<T>> next) where T : class, SagaStateMachineInstance => next(behavior);

        public void Visit<T, TData>(IBehavior<T, TData> behavior) where T : class, SagaStateMachineInstance where TData : class =>
            Visit(behavior, _ => { });

        public void Visit<T, TData>(IBehavior<T, TData> behavior, Action<IBehavior<T, TData>> next)
            where T : class, SagaStateMachineInstance where TData : class => next(behavior);

        void Open(Event @event)
        {
            Close();
            _event = @event.Name;
            _moved = false;
        }

        void Close()
        {
            if (_state != null && _event != null && !_moved)
                _transitions.Add(new StateMachineTransitionInfo(_state, _event, _state, "stays", null));
            _event = null;
            _moved = false;
        }
    }
}
