namespace SoukLoop.Workers.Notifications;

public class FcmOptions
{
    public const string Section = "Fcm";
    public const string Scope = "https://www.googleapis.com/auth/firebase.messaging";

    /// <summary>The service-account JSON itself (a secret: environment or secret store, never a committed file).</summary>
    public string? CredentialsJson { get; set; }
    /// <summary>Or a path to it (the standard <c>GOOGLE_APPLICATION_CREDENTIALS</c> is read too).</summary>
    public string? CredentialsFile { get; set; }
    /// <summary>Firebase project id; default: the service account's <c>project_id</c>.</summary>
    public string? ProjectId { get; set; }
    public string BaseUrl { get; set; } = "https://fcm.googleapis.com";
    /// <summary>OAuth token endpoint; default: the service account's <c>token_uri</c> (Google's), the stand-in's in tests.</summary>
    public string? TokenUri { get; set; }
    /// <summary>Retries of one send on 429/5xx (Retry-After honoured), and the first back-off delay.</summary>
    public int MaxRetries { get; set; } = 4;
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);
    /// <summary>Presence: the Realtime node's set of user ids with a live connection.</summary>
    public string OnlineUsersKey { get; set; } = "ws:online_users";
}
