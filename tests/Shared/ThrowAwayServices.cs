using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;

namespace SoukLoop.Testing;

/// <summary>
/// What the integration tests and the benchmarks need to run the system on throw-away resources: the RabbitMQ
/// management API (virtual hosts, permissions, queue state) and free TCP ports. One source file, linked into each
/// of those projects (tests/Shared).
/// </summary>
public static class ThrowAwayServices
{
    public static HttpClient RabbitManagementClient(string host, string port, string user, string password)
    {
        var http = new HttpClient { BaseAddress = new Uri($"http://{host}:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.ASCII.GetBytes($"{user}:{password}")));
        return http;
    }

    /// <summary>
    /// One management call; a failure throws with the answer, except for DELETE (clean-up of what may be gone already).
    /// A virtual host in the path is escaped by the caller (<see cref="Uri.EscapeDataString"/>).
    /// </summary>
    public static async Task RabbitManagementAsync(this HttpClient http, HttpMethod method, string path, string? json = null,
        CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json != null)
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException ex) when (method != HttpMethod.Delete)
        {
            throw new InvalidOperationException(
                $"The RabbitMQ management API is not reachable at {http.BaseAddress}: {ex.Message}. Run through scripts/test.sh or set RabbitMq__ManagementPort.", ex);
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode && method != HttpMethod.Delete)
                throw new InvalidOperationException(
                    $"RabbitMQ management {method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
