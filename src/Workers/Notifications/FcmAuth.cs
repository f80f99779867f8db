using System.Text.Json;
using Google.Apis.Auth.OAuth2;

namespace SoukLoop.Workers.Notifications;

/// <summary>
/// OAuth2 access tokens for FCM from a service account: Google.Apis.Auth signs a JWT assertion (RS256, scope
/// firebase.messaging, audience the token endpoint) and exchanges it at the token endpoint; tokens are cached until they expire.
/// </summary>
public sealed class FcmAuth
{
    readonly ServiceAccountCredential _credential;

    FcmAuth(ServiceAccountCredential credential, string projectId, string clientEmail, string tokenUri)
    {
        _credential = credential;
        ProjectId = projectId;
        ClientEmail = clientEmail;
        TokenUri = tokenUri;
    }

    public string ProjectId { get; }
    public string ClientEmail { get; }
    public string TokenUri { get; }

    /// <summary>Null when no credentials are configured: push is off.</summary>
    public static FcmAuth? Create(FcmOptions options)
    {
        var json = options.CredentialsJson;
        var file = options.CredentialsFile ?? Environment.GetEnvironmentVariable("GOOGLE_APPLICATION_CREDENTIALS");
        if (string.IsNullOrWhiteSpace(json) && !string.IsNullOrWhiteSpace(file))
            json = File.ReadAllText(file);
        if (string.IsNullOrWhiteSpace(json))
            return null;

        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        string? Get(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        if (Get("type") != "service_account")
            throw new InvalidOperationException("Fcm credentials must be a service-account JSON (\"type\": \"service_account\").");

        var clientEmail = Get("client_email") ?? throw new InvalidOperationException("The service account has no client_email.");
        var privateKey = Get("private_key") ?? throw new InvalidOperationException("The service account has no private_key.");
        var projectId = options.ProjectId ?? Get("project_id") ?? throw new InvalidOperationException("No Fcm:ProjectId and no project_id.");
        var tokenUri = options.TokenUri ?? Get("token_uri") ?? GoogleAuthConsts.OidcTokenUrl;

        var credential = new ServiceAccountCredential(new ServiceAccountCredential.Initializer(clientEmail, tokenUri)
        {
            Scopes = [FcmOptions.Scope],
            KeyId = Get("private_key_id"),
            ProjectId = projectId
        }.FromPrivateKey(privateKey));
        return new FcmAuth(credential, projectId, clientEmail, tokenUri);
    }

    public Task<string> AccessTokenAsync(CancellationToken cancellationToken) =>
        _credential.GetAccessTokenForRequestAsync(cancellationToken: cancellationToken);
}
