namespace SoukLoop.Drill;

/// <summary>
/// <c>Drill:*</c> settings (command line <c>--Drill:Duration=00:04:00</c> or environment <c>Drill__Duration</c>); scripts/drill.sh
/// fills in the paths and ports. docs/operations.md "Fault drill" explains what each one changes.
/// </summary>
public class DrillOptions
{
    public const string Section = "Drill";

    /// <summary>How long the clients drive load at least; the faults are spread over it (all of them run even when it is short).</summary>
    public TimeSpan Duration { get; set; } = TimeSpan.FromMinutes(4);
    /// <summary>Sellers driving deals at once; each deal has <see cref="BuyersPerProduct"/> buyers.</summary>
    public int Sellers { get; set; } = 10;
    public int BuyersPerProduct { get; set; } = 2;
    /// <summary>Chat messages each side sends per deal (half over REST, half over the SignalR hub).</summary>
    public int MessagesPerDeal { get; set; } = 4;
    /// <summary>Quiet time before the first fault and after each recovery.</summary>
    public TimeSpan Settle { get; set; } = TimeSpan.FromSeconds(15);
    public TimeSpan PostgresDown { get; set; } = TimeSpan.FromSeconds(30);
    public TimeSpan WorkersPaused { get; set; } = TimeSpan.FromSeconds(20);
    /// <summary>How long a client keeps retrying one request (same Idempotency-Key) through an outage before it gives up.</summary>
    public TimeSpan RetryFor { get; set; } = TimeSpan.FromMinutes(3);
    /// <summary>
    /// After the load stops: at most this long for the clients to finish the step under way; then the steps still running
    /// are cancelled (their commands count as unanswered) and logged, so a client that never hears back cannot hang the drill.
    /// </summary>
    public TimeSpan StopWithin { get; set; } = TimeSpan.FromMinutes(2);
    /// <summary>After the load stops: at most this long for 202s to be applied and the outbox to drain before the checks.</summary>
    public TimeSpan Drain { get; set; } = TimeSpan.FromMinutes(2);
    /// <summary>Passed to Api and Workers as <c>Offers:ExpiresAfter</c> (API.md), short so the expiry check is exercised.</summary>
    public TimeSpan OfferExpiresAfter { get; set; } = TimeSpan.FromMinutes(2);

    public string ApiUrl { get; set; } = "http://127.0.0.1:5180";
    public string RealtimeUrl { get; set; } = "http://127.0.0.1:5181";
    public string WorkersUrl { get; set; } = "http://127.0.0.1:5182";
    public string StripeUrl { get; set; } = "http://127.0.0.1:12180";

    public string ApiDll { get; set; } = "";
    public string WorkersDll { get; set; } = "";
    public string RealtimeDll { get; set; } = "";
    public string StandInsDll { get; set; } = "";
    /// <summary>Where the apps' logs go (one file per app, appended across restarts).</summary>
    public string LogDir { get; set; } = ".";

    /// <summary>scripts/services.sh and the arguments naming the drill's services (profile and --dir).</summary>
    public string ServicesScript { get; set; } = "scripts/services.sh";
    public string ServicesProfile { get; set; } = "run";
    public string ServicesDir { get; set; } = ".services/drill";

    /// <summary>The support account scripts/drill.sh creates (Workers create-support-user), used to read faults as support does.</summary>
    public string SupportEmail { get; set; } = "drill-support@example.com";
    public string SupportPassword { get; set; } = "drill-support-password";

    /// <summary>JSON result file; default bench/results/drill-&lt;time&gt;.json under the current folder.</summary>
    public string? Output { get; set; }
    public int Seed { get; set; } = 12;
}
