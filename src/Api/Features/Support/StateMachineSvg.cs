using System.Globalization;
using System.Security;
using System.Text;
using SoukLoop.Contracts;

namespace SoukLoop.Api.Features.Support;

/// <summary>
/// Draws a state machine as SVG (no Graphviz here): states in columns by distance from the initial state, states that
/// lead back to each other (a negotiation's Pending ⇄ Countered) in one column, finals last; one arrow per state pair
/// labelled with its events; the highlighted state filled. Events that change nothing are listed in the state's tooltip.
/// </summary>
public static class StateMachineSvg
{
    const double BoxWidth = 160, BoxHeight = 46, ColumnGap = 380, RowGap = 92, Margin = 40;

    public static string Render(StateMachineGraphInfo machine, string? highlight)
    {
        var moves = machine.Transitions.Where(t => t.Kind != "stays" && t.From != t.To).ToList();
        var states = machine.States.Where(s => moves.Any(t => t.From == s || t.To == s) || s == highlight).ToList();
        if (states.Count == 0)
            states = machine.States.ToList();

        var columns = Columns(states, moves, machine.FinalStates);
        var position = new Dictionary<string, (double X, double Y)>();
        var tallest = columns.Max(c => c.Count);
        for (var c = 0; c < columns.Count; c++)
        {
            var offset = (tallest - columns[c].Count) * RowGap / 2;
            for (var r = 0; r < columns[c].Count; r++)
                position[columns[c][r]] = (Margin + c * ColumnGap, Margin + 24 + offset + r * RowGap);
        }

        var width = Margin * 2 + (columns.Count - 1) * ColumnGap + BoxWidth;
        var height = Margin * 2 + 24 + (tallest - 1) * RowGap + BoxHeight;
        // Marker ids are unique per drawing: two diagrams inlined in one page must not share them.
        var id = Guid.NewGuid().ToString("N")[..8];
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"""<svg xmlns="http://www.w3.org/2000/svg" class="state-machine" data-machine="{X(machine.Name)}" width="{width:0}" height="{height:0}" viewBox="0 0 {width:0} {height:0}" font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif" font-size="12">""");
        svg.Append($"""<defs><marker id="arrow-{id}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#455a64"/></marker>""");
        svg.Append($"""<marker id="arrow-error-{id}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#c62828"/></marker></defs>""");
        svg.Append(CultureInfo.InvariantCulture, $"""<text x="{Margin}" y="{Margin - 8}" font-size="15" font-weight="bold" fill="#263238">{X(machine.MachineType)}</text>""");

        var labels = new StringBuilder();
        var labelled = new HashSet<(string To, string Label)>();
        foreach (var pair in moves.GroupBy(t => (t.From, t.To)))
        {
            if (!position.TryGetValue(pair.Key.From, out var a) || !position.TryGetValue(pair.Key.To, out var b))
                continue;
            var error = pair.All(t => t.Kind == "on_error");
            var label = string.Join(", ", pair.Select(t => t.Kind == "on_error" ? $"{t.Event} ({t.Exception})" : t.Event).Distinct());
            var reverse = moves.Any(t => t.From == pair.Key.To && t.To == pair.Key.From);
            // Arrows into one state with the same events (Pending and Countered into Accepted…) share one label.
            var showLabel = labelled.Add((pair.Key.To, label));
            Edge(svg, showLabel ? labels : new StringBuilder(), a, b, label, error, reverse, pair.Key.From, pair.Key.To, id);
        }

        foreach (var state in states)
        {
            var (x, y) = position[state];
            var current = string.Equals(state, highlight, StringComparison.OrdinalIgnoreCase);
            var final = machine.FinalStates.Contains(state);
            var stays = machine.Transitions.Where(t => t.From == state && t.Kind == "stays").Select(t => t.Event).Distinct().ToList();
            var fill = current ? "#ffe082" : state == "Initial" ? "#eceff1" : final ? "#e8f5e9" : "#e3f2fd";
            var stroke = current ? "#e65100" : "#455a64";
            svg.Append(CultureInfo.InvariantCulture, $"""<g class="state{(current ? " current" : "")}{(final ? " final" : "")}" data-state="{X(state)}">""");
            svg.Append(CultureInfo.InvariantCulture, $"""<title>{X(state)}{(stays.Count > 0 ? $" — also handles, without a state change: {X(string.Join(", ", stays))}" : "")}</title>""");
            svg.Append(CultureInfo.InvariantCulture, $"""<rect x="{x:0.#}" y="{y:0.#}" width="{BoxWidth}" height="{BoxHeight}" rx="10" fill="{fill}" stroke="{stroke}" stroke-width="{(current ? 3 : 1.5)}"{(state == "Initial" ? " stroke-dasharray=\"5,3\"" : "")}/>""");
            if (final)
                svg.Append(CultureInfo.InvariantCulture, $"""<rect x="{x + 4:0.#}" y="{y + 4:0.#}" width="{BoxWidth - 8}" height="{BoxHeight - 8}" rx="7" fill="none" stroke="{stroke}" stroke-width="1"/>""");
            svg.Append(CultureInfo.InvariantCulture, $"""<text x="{x + BoxWidth / 2:0.#}" y="{y + BoxHeight / 2 + 4:0.#}" text-anchor="middle" font-size="13" font-weight="{(current ? "bold" : "normal")}" fill="#212121">{X(state)}</text>""");
            svg.Append("</g>");
        }
        svg.Append(labels);
        svg.Append("</svg>");
        return svg.ToString();
    }

    static void Edge(StringBuilder svg, StringBuilder labels, (double X, double Y) a, (double X, double Y) b, string label, bool error,
        bool reverse, string from, string to, string id)
    {
        var color = error ? "#c62828" : "#455a64";
        var marker = error ? $"arrow-error-{id}" : $"arrow-{id}";
        double x1, y1, x2, y2, cx, cy;
        if (Math.Abs(a.X - b.X) < 1)
        {
            // Same column: an arc on the right going down, on the left going up.
            var down = b.Y > a.Y;
            var side = down ? 1 : -1;
            x1 = a.X + BoxWidth / 2 + side * 30;
            x2 = b.X + BoxWidth / 2 + side * 30;
            y1 = down ? a.Y + BoxHeight : a.Y;
            y2 = down ? b.Y : b.Y + BoxHeight;
            cx = a.X + BoxWidth / 2 + side * (BoxWidth / 2 + 40);
            cy = (y1 + y2) / 2;
        }
        else
        {
            var forward = b.X > a.X;
            x1 = forward ? a.X + BoxWidth : a.X;
            x2 = forward ? b.X : b.X + BoxWidth;
            y1 = a.Y + BoxHeight / 2 + (reverse ? -8 : 0);
            y2 = b.Y + BoxHeight / 2 + (reverse ? -8 : 0);
            cx = (x1 + x2) / 2;
            cy = (y1 + y2) / 2 + (reverse ? -14 : 0);
        }
        svg.Append(CultureInfo.InvariantCulture, $"""<path class="transition" data-from="{X(from)}" data-to="{X(to)}" d="M{x1:0.#},{y1:0.#} Q{cx:0.#},{cy:0.#} {x2:0.#},{y2:0.#}" fill="none" stroke="{color}" stroke-width="1.4"{(error ? " stroke-dasharray=\"6,4\"" : "")} marker-end="url(#{marker})"/>""");

        // The label sits on the curve, nearer the target (where arrows to different states are apart), on a white backing.
        var t = Math.Abs(a.X - b.X) < 1 ? 0.5 : 0.7;
        var lx = (1 - t) * (1 - t) * x1 + 2 * (1 - t) * t * cx + t * t * x2;
        var ly = (1 - t) * (1 - t) * y1 + 2 * (1 - t) * t * cy + t * t * y2;
        var w = label.Length * 6.3 + 8;
        labels.Append(CultureInfo.InvariantCulture, $"""<g class="label"><rect x="{lx - w / 2:0.#}" y="{ly - 9:0.#}" width="{w:0.#}" height="15" rx="3" fill="#ffffff" fill-opacity="0.9"/><text x="{lx:0.#}" y="{ly + 3:0.#}" text-anchor="middle" font-size="11" fill="{color}">{X(label)}</text></g>""");
    }

    /// <summary>Columns: strongly connected states share a column, each column one step further than its furthest predecessor.</summary>
    static List<List<string>> Columns(List<string> states, List<StateMachineTransitionInfo> moves, IReadOnlyList<string> finals)
    {
        var next = states.ToDictionary(s => s, s => moves.Where(t => t.From == s && states.Contains(t.To)).Select(t => t.To).Distinct().ToList());
        var component = StronglyConnected(states, next);
        var layer = new Dictionary<int, int>();
        int LayerOf(int c, HashSet<int> visiting)
        {
            if (layer.TryGetValue(c, out var known))
                return known;
            if (!visiting.Add(c))
                return 0;
            var predecessors = states.Where(s => component[s] != c && next[s].Any(n => component[n] == c)).Select(s => component[s]).Distinct().ToList();
            var value = predecessors.Count == 0 ? 0 : predecessors.Max(p => LayerOf(p, visiting) + 1);
            layer[c] = value;
            return value;
        }

        var byState = states.ToDictionary(s => s, s => LayerOf(component[s], []));
        return byState.GroupBy(x => x.Value).OrderBy(g => g.Key)
            .Select(g => g.Select(x => x.Key)
                .OrderBy(s => finals.Contains(s) ? 1 : 0)
                .ThenBy(s => component[s])
                .ThenBy(s => states.IndexOf(s))
                .ToList())
            .ToList();
    }

    static Dictionary<string, int> StronglyConnected(List<string> states, Dictionary<string, List<string>> next)
    {
        // Tarjan's algorithm; component numbers in discovery order.
        var index = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var onStack = new HashSet<string>();
        var stack = new Stack<string>();
        var component = new Dictionary<string, int>();
        var counter = 0;
        var components = 0;

        void Connect(string v)
        {
            index[v] = low[v] = counter++;
            stack.Push(v);
            onStack.Add(v);
            foreach (var w in next[v])
            {
                if (!index.ContainsKey(w))
                {
                    Connect(w);
                    low[v] = Math.Min(low[v], low[w]);
                }
                else if (onStack.Contains(w))
                    low[v] = Math.Min(low[v], index[w]);
            }
            if (low[v] != index[v])
                return;
            string member;
            do
            {
                member = stack.Pop();
                onStack.Remove(member);
                component[member] = components;
            } while (member != v);
            components++;
        }

        foreach (var state in states)
            if (!index.ContainsKey(state))
                Connect(state);
        return component;
    }

    static string X(string text) => SecurityElement.Escape(text) ?? "";
}
