using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.Tokens;
using SoukLoop.ServiceDefaults;

namespace SoukLoop.Api.Tests.Infrastructure;

/// <summary>Tokens the Api must refuse, made with the app's own <see cref="TokenService"/> where possible.</summary>
public static class Tokens
{
    public static string Valid(Guid userId, string role = "user") =>
        new TokenService(new JwtOptions { SigningKey = TestSettings.JwtSigningKey }, TimeProvider.System).Issue(userId, role);

    public static string Expired(Guid userId) =>
        new TokenService(new JwtOptions { SigningKey = TestSettings.JwtSigningKey, Lifetime = TimeSpan.FromHours(1) },
            new FixedTime(DateTimeOffset.UtcNow.AddHours(-3))).Issue(userId, "user");

    public static string SignedWithAnotherKey(Guid userId) =>
        new TokenService(new JwtOptions { SigningKey = TestSettings.OtherSigningKey }, TimeProvider.System).Issue(userId, "user");

    /// <summary>`alg: none`, no signature, otherwise a perfectly good payload.</summary>
    public static string Unsigned(Guid userId)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = new JsonObject { ["alg"] = "none" };
        var payload = new JsonObject
        {
            ["iss"] = "souk-loop", ["aud"] = "souk-loop-app", ["sub"] = userId.ToString(),
            ["role"] = "support", ["iat"] = now, ["exp"] = now + 3600
        };
        return $"{Encode(header)}.{Encode(payload)}.";
    }

    /// <summary>A valid token whose payload was edited (role → support) after signing.</summary>
    public static string Tampered(string validToken)
    {
        var parts = validToken.Split('.');
        var payload = Payload(validToken);
        payload["role"] = "support";
        return $"{parts[0]}.{Encode(payload)}.{parts[2]}";
    }

    public static JsonObject Payload(string token) =>
        JsonNode.Parse(Base64UrlEncoder.Decode(token.Split('.')[1]))!.AsObject();

    static string Encode(JsonObject json) => Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(json.ToJsonString(new JsonSerializerOptions())));

    sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
