using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using SoukLoop.Contracts;
using SoukLoop.StandIns;

namespace SoukLoop.IntegrationTests.Payments;

/// <summary>
/// The whole system (see <see cref="SystemFixture"/>) plus the Stripe and FCM stand-ins on real sockets in this process: the
/// Workers process calls them over HTTP with its own settings (a test secret key, a throw-away service account). Stripe's
/// webhooks go to the in-process Api, signed by the stand-in. A recorder bus keeps the payment events the system publishes.
/// </summary>
public class PaymentsFixture : SystemFixture, IAsyncLifetime
{
    readonly string _tag = Guid.NewGuid().ToString("N")[..10];
    WebApplication? _stripeApp;
    WebApplication? _fcmApp;
    IBusControl? _recorderBus;

    public StripeStandIn Stripe { get; private set; } = null!;
    public FcmStandIn Fcm { get; private set; } = null!;
    public string StripeUrl { get; private set; } = "";
    public string FcmUrl { get; private set; } = "";
    public string SecretKey => $"sk_test_it_{_tag}";
    public string WebhookSecret => $"whsec_it_{_tag}";
    public TestServiceAccount ServiceAccount { get; } = TestServiceAccount.Generate($"souk-it-{Guid.NewGuid():N}"[..20]);
    public string CrashMarker => Path.Combine(Path.GetTempPath(), $"souk-crash-after-stripe-{_tag}");
    public ConcurrentQueue<TransactionUpdated> TransactionUpdates { get; } = new();
    public ConcurrentQueue<PaymentCancelled> Cancellations { get; } = new();
    protected virtual TimeSpan PayWithin => TimeSpan.FromMinutes(30);

    public new async Task InitializeAsync()
    {
        StripeUrl = $"http://127.0.0.1:{FreePort()}";
        var stripeBuilder = StandInBuilder(StripeUrl);
        _stripeApp = StripeStandIn.Create(stripeBuilder, new StripeStandInOptions
        {
            SecretKey = SecretKey,
            WebhookSecret = WebhookSecret,
            WebhookRetryDelay = TimeSpan.FromMilliseconds(200)
        }, out var stripe);
        Stripe = stripe;
        await _stripeApp.StartAsync();

        FcmUrl = $"http://127.0.0.1:{FreePort()}";
        _fcmApp = FcmStandIn.Create(StandInBuilder(FcmUrl), new FcmStandInOptions { ServiceAccountJson = ServiceAccount.Json }, out var fcm);
        Fcm = fcm;
        await _fcmApp.StartAsync();

        await base.InitializeAsync();
        await QueuesConsumedAsync("payment-state", "notifications");

        // Stripe posts webhooks to the Api; here the Api is in-process, so the stand-in hands them to it directly.
        Stripe.Deliverer = async (e, ct) =>
        {
            using var response = await PostWebhookAsync(e.Payload, e.SignatureHeader, ct);
            return (int)response.StatusCode;
        };

        _recorderBus = MassTransit.Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(TestEnvironment.RabbitHost, ushort.Parse(TestEnvironment.RabbitPort), VirtualHost, h =>
            {
                h.Username(TestEnvironment.RabbitUser);
                h.Password(TestEnvironment.RabbitPassword);
            });
            cfg.ReceiveEndpoint($"it-payment-events-{_tag}", e =>
            {
                e.AutoDelete = true;
                e.Handler<TransactionUpdated>(ctx =>
                {
                    TransactionUpdates.Enqueue(ctx.Message);
                    return Task.CompletedTask;
                });
                e.Handler<PaymentCancelled>(ctx =>
                {
                    Cancellations.Enqueue(ctx.Message);
                    return Task.CompletedTask;
                });
            });
        });
        await _recorderBus.StartAsync();
    }

    public new async Task DisposeAsync()
    {
        if (_recorderBus != null)
            await _recorderBus.StopAsync();
        await base.DisposeAsync();
        if (_stripeApp != null)
            await _stripeApp.DisposeAsync();
        if (_fcmApp != null)
            await _fcmApp.DisposeAsync();
        File.Delete(CrashMarker);
    }

    protected override IEnumerable<(string Key, string Value)> ExtraSettings()
    {
        yield return ("Stripe:SecretKey", SecretKey);
        yield return ("Stripe:ApiBase", StripeUrl);
        yield return ("Stripe:WebhookSecret", WebhookSecret);
        yield return ("Payments:PayWithin", PayWithin.ToString("c"));
        yield return ("Payments:CrashAfterStripeCallMarker", CrashMarker);
        // The documented sweep that pays out held sales whose seller has an account (docs/payments.md); seconds, not a minute.
        yield return ("Payments:PayoutSweepInterval", "00:00:02");
        // A step that keeps failing gives up after the scheduled redeliveries (default 5 s, 30 s, 2 min): the documented
        // Messaging:RedeliveryIntervals, shorter, so a Stripe outage "past every retry" takes seconds here.
        yield return ("Messaging:RedeliveryIntervals:0", "00:00:00.500");
        yield return ("Messaging:RedeliveryIntervals:1", "00:00:00.500");
        yield return ("Fcm:CredentialsJson", ServiceAccount.Json);
        yield return ("Fcm:BaseUrl", FcmUrl);
        yield return ("Fcm:TokenUri", FcmUrl + "/token");
        yield return ("Fcm:RetryDelay", "00:00:00.200");
    }

    /// <summary>The base fixture waits for the offer saga's queue; events published before these queues exist would be lost.</summary>
    async Task QueuesConsumedAsync(params string[] queues)
    {
        using var http = ManagementClient();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        foreach (var queue in queues)
        {
            while (true)
            {
                var response = await http.GetAsync($"/api/queues/{Uri.EscapeDataString(VirtualHost)}/{queue}");
                var body = response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync() : "";
                if (body.Contains("\"consumers\":") && !body.Contains("\"consumers\":0"))
                    break;
                if (DateTime.UtcNow > deadline)
                    throw new TimeoutException($"The {queue} queue has no consumer after 60 s.");
                await Task.Delay(200);
            }
        }
    }

    public Task<HttpResponseMessage> PostWebhookAsync(string payload, string? signature, CancellationToken cancellationToken = default)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/webhooks/stripe")
        {
            Content = new StringContent(payload, Encoding.UTF8, "application/json")
        };
        if (signature != null)
            request.Headers.TryAddWithoutValidation("Stripe-Signature", signature);
        return Client.SendAsync(request, cancellationToken);
    }

    static WebApplicationBuilder StandInBuilder(string url)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = ["--urls", url],
            EnvironmentName = "Development",
            ApplicationName = typeof(StripeStandIn).Assembly.GetName().Name
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        return builder;
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

[CollectionDefinition(Name)]
public class PaymentsCollection : ICollectionFixture<PaymentsFixture>
{
    public const string Name = "payments";
}

/// <summary>A throw-away Google service account: a fresh RSA key in the JSON shape the Firebase console downloads.</summary>
public record TestServiceAccount(string Json, string ClientEmail, string PrivateKeyId, string ProjectId, RSA Key)
{
    public static TestServiceAccount Generate(string projectId)
    {
        var key = RSA.Create(2048);
        var keyId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));
        var email = $"firebase-adminsdk@{projectId}.iam.gserviceaccount.com";
        var json = JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["type"] = "service_account",
            ["project_id"] = projectId,
            ["private_key_id"] = keyId,
            ["private_key"] = key.ExportPkcs8PrivateKeyPem(),
            ["client_email"] = email,
            ["client_id"] = "100000000000000000001",
            ["auth_uri"] = "https://accounts.google.com/o/oauth2/auth",
            ["token_uri"] = "https://oauth2.googleapis.com/token"
        });
        return new TestServiceAccount(json, email, keyId, projectId, key);
    }
}
