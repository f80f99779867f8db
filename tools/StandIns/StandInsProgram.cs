namespace SoukLoop.StandIns;

/// <summary>
/// <c>dotnet SoukLoop.StandIns.dll stripe|fcm [--urls http://127.0.0.1:PORT]</c>: runs one stand-in as its own server
/// (default ports: Stripe 12111, FCM 12112; Stripe's webhooks go to the Api on 5080 unless <c>StandIns:Stripe:WebhookUrl</c> says otherwise).
/// Settings come from <c>StandIns:Stripe:*</c> / <c>StandIns:Fcm:*</c> (environment <c>StandIns__Stripe__WebhookUrl</c> …).
/// </summary>
public static class StandInsProgram
{
    public static async Task<int> Main(string[] args)
    {
        // The mode comes first; without one it is the Stripe stand-in (what the run command starts).
        var which = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : "stripe";
        var rest = args.Length > 0 && !args[0].StartsWith('-') ? args[1..] : args;
        if (!rest.Contains("--urls"))
            rest = [.. rest, "--urls", which == "fcm" ? "http://127.0.0.1:12112" : "http://127.0.0.1:12111"];
        switch (which)
        {
            case "stripe":
            {
                var builder = WebApplication.CreateBuilder(rest);
                var options = builder.Configuration.GetSection("StandIns:Stripe").Get<StripeStandInOptions>() ?? new StripeStandInOptions();
                options.WebhookUrl ??= "http://127.0.0.1:5080/api/v1/webhooks/stripe";
                var app = StripeStandIn.Create(builder, options, out _);
                await app.RunAsync();
                return 0;
            }
            case "fcm":
            {
                var builder = WebApplication.CreateBuilder(rest);
                var options = builder.Configuration.GetSection("StandIns:Fcm").Get<FcmStandInOptions>() ?? new FcmStandInOptions();
                var app = FcmStandIn.Create(builder, options, out _);
                await app.RunAsync();
                return 0;
            }
            default:
                await Console.Error.WriteLineAsync("usage: SoukLoop.StandIns stripe|fcm [--urls http://127.0.0.1:PORT]");
                return 2;
        }
    }
}
