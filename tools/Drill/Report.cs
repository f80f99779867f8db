using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace SoukLoop.Drill;

/// <summary>The drill's table (stdout) and its JSON result file.</summary>
public static class Report
{
    static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true, IncludeFields = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull
    };

    /// <summary>Assigns each command to the fault whose window (injection → next injection) it was sent in.</summary>
    public static void Attribute(IReadOnlyList<CommandRecord> records, List<FaultResult> faults, FaultResult baseline)
    {
        for (var i = 0; i < faults.Count; i++)
            faults[i].WindowEnd = i + 1 < faults.Count ? faults[i + 1].InjectedAt : DateTime.MaxValue;
        baseline.WindowEnd = faults.Count > 0 ? faults[0].InjectedAt : DateTime.MaxValue;
        foreach (var r in records)
        {
            var window = faults.LastOrDefault(f => r.At >= f.InjectedAt) ?? baseline;
            window.Operations++;
            if (r.Answered)
                window.Answered++;
            switch (r.Outcome)
            {
                case "lost": window.Lost++; break;
                case "doubled": window.Doubled++; break;
                case "failed_visible": window.FailedVisible++; break;
            }
        }
    }

    public static string Table(FaultResult baseline, List<FaultResult> faults, CheckResult checks, DealStats deals, IReadOnlyList<CommandRecord> records)
    {
        var s = new StringBuilder();
        s.AppendLine();
        s.AppendLine($"{"fault injected",-44} {"outage s",9} {"recover s",10} {"ops",6} {"answered",9} {"lost",5} {"doubled",8} {"failed*",8}");
        s.AppendLine(new string('-', 104));
        foreach (var f in faults.Prepend(baseline))
            s.AppendLine($"{f.What,-44} {f.OutageSeconds,9:0.0} {(f.RecoverSeconds is { } r ? r.ToString("0.0") : f == baseline ? "-" : "never"),10} " +
                         $"{f.Operations,6} {f.Answered,9} {f.Lost,5} {f.Doubled,8} {f.FailedVisible,8}");
        s.AppendLine(new string('-', 104));
        s.AppendLine($"{"total",-44} {"",9} {"",10} {records.Count,6} {checks.Answered,9} {checks.Lost,5} {checks.Doubled,8} {checks.FailedVisible,8}");
        s.AppendLine("  failed* = answered 202, not applied, and the client sees why: its location answers the failure, or the saga refused the move (offer expired or closed meanwhile)");
        s.AppendLine();
        s.AppendLine("commands by kind (answered / lost / doubled): " + string.Join(", ", records.GroupBy(r => r.Kind).OrderBy(g => g.Key)
            .Select(g => $"{g.Key} {g.Count(r => r.Answered)}/{g.Count(r => r.Outcome == "lost")}/{g.Count(r => r.Outcome == "doubled")}")));
        s.AppendLine("answers: " + string.Join(", ", records.GroupBy(r => r.Status?.ToString() ?? "none").OrderBy(g => g.Key)
            .Select(g => $"{g.Key}×{g.Count()}")) + $"; retried {records.Count(r => r.Attempts > 1)} (network errors {records.Sum(r => r.NetworkErrors)}, 5xx {records.Sum(r => r.ServerErrors)})");
        s.AppendLine($"deals {deals.Deals}: completed {deals.DealsCompleted}, abandoned {deals.DealsAbandoned}, cancelled at the stop {deals.DealsCancelled}, accepted {deals.Accepted}, " +
                     $"PaymentIntents {deals.PaymentIntents}, paid {deals.Paid}, no PaymentIntent within 60 s {deals.NoIntentWithin}; " +
                     $"202s followed {deals.Followed202}, not confirmed within 90 s {deals.Unconfirmed202}");
        s.AppendLine($"clients that reconnected: {checks.ReconnectedClients}, conversations re-read over REST: {checks.ConversationsReread}, " +
                     $"messages missing there: {checks.MessagesMissingAfterReconnect} (pushes missed while away, filled by REST: {checks.PushesMissed})");
        s.AppendLine($"_error/_skipped messages: {checks.ErrorMessages.Count}" + (checks.ErrorMessages.Count == 0 ? "" : ":"));
        foreach (var g in checks.ErrorMessages.GroupBy(e => (e.Queue, e.MessageType, e.RecordedFault, e.AppliedAnyway)))
            s.AppendLine($"  {g.Key.Queue}: {g.Key.MessageType} ×{g.Count()} ({(g.Key.RecordedFault ? "fault recorded, support sees it"
                : g.Key.AppliedAnyway ? "stored anyway by the client's resend" : "NO recorded fault")}); {g.First().Exception}");
        s.AppendLine($"invariant breaks: {checks.Violations.Count}");
        foreach (var g in checks.Violations.GroupBy(v => v.Check))
        {
            s.AppendLine($"  {g.Key} ×{g.Count()}");
            foreach (var v in g.Take(5))
                s.AppendLine($"    {v.Detail}");
        }
        var lost = records.Where(r => r.Outcome is "lost" or "doubled").ToList();
        if (lost.Count > 0)
        {
            s.AppendLine("lost / doubled commands (first 15):");
            foreach (var r in lost.Take(15))
                s.AppendLine($"  {r.Outcome} {r.Kind} {r.Path} at {r.At:HH:mm:ss} answered {r.Status} after {r.Attempts} attempt(s): {r.Detail}");
        }
        s.AppendLine(checks.Clean ? "RESULT: no loss, no double, every invariant holds" : "RESULT: FAILED (see above)");
        return s.ToString();
    }

    public static async Task<string> SaveAsync(DrillOptions options, DateTime started, FaultResult baseline, List<FaultResult> faults,
        CheckResult checks, DealStats deals, IReadOnlyList<CommandRecord> records)
    {
        var path = options.Output ?? Path.Combine("bench", "results", $"drill-{started:yyyyMMdd-HHmmss}.json");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var document = new
        {
            started, finished = DateTime.UtcNow, options = new
            {
                options.Duration, options.Sellers, options.BuyersPerProduct, options.MessagesPerDeal, options.OfferExpiresAfter, options.Settle,
                options.PostgresDown, options.WorkersPaused, options.RetryFor
            },
            clean = checks.Clean, faults = faults.Prepend(baseline), checks, deals,
            commands = records.Where(r => r.Outcome is "lost" or "doubled" or "failed_visible"),
            command_count = records.Count
        };
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(document, Json));
        return path;
    }
}
