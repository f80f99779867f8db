using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace SoukLoop.Api.Tests.Infrastructure;

public static class Http
{
    public const string Base = "/api/v1";

    /// <summary>POSTs <paramref name="body"/> serialised as-is (use snake_case member names).</summary>
    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string path, object body,
        string? token = null, string? idempotencyKey = null) =>
        client.SendAsync(Request(HttpMethod.Post, path, token, idempotencyKey, JsonContent.Create(body)));

    /// <summary>POSTs exactly these characters (malformed JSON included).</summary>
    public static Task<HttpResponseMessage> PostRawAsync(this HttpClient client, string path, string body,
        string? token = null, string contentType = "application/json") =>
        client.SendAsync(Request(HttpMethod.Post, path, token, null, new StringContent(body, Encoding.UTF8, contentType)));

    public static Task<HttpResponseMessage> GetAsync(this HttpClient client, string path, string? token) =>
        client.SendAsync(Request(HttpMethod.Get, path, token, null, null));

    public static HttpRequestMessage Request(HttpMethod method, string path, string? token, string? idempotencyKey, HttpContent? content)
    {
        var request = new HttpRequestMessage(method, path.StartsWith('/') ? path : $"{Base}/{path}") { Content = content };
        if (token is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (idempotencyKey is not null)
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        return request;
    }

    public static async Task<JsonElement> ShouldBeJsonAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"Expected {(int)status} but got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Asserts an RFC 9457 problem+json answer with this status and `code`, and returns it.</summary>
    public static async Task<JsonElement> ShouldBeProblemAsync(this HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"Expected {(int)status} {code} but got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("type").GetString()));
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()));
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("trace_id").GetString()));
        return problem;
    }

    /// <summary>The messages of `errors.{field}` of a problem.</summary>
    public static string[] ErrorsOf(this JsonElement problem, string field) =>
        problem.TryGetProperty("errors", out var errors) && errors.TryGetProperty(field, out var messages)
            ? messages.EnumerateArray().Select(m => m.GetString()!).ToArray()
            : [];

    public static string Str(this JsonElement element, string property) => element.GetProperty(property).GetString()!;
}
