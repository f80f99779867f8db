using System.Net;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using SoukLoop.Realtime.Tests.Infrastructure;
using SoukLoop.ServiceDefaults;

namespace SoukLoop.Realtime.Tests;

[Collection(ClusterCollection.Name)]
public class When_connecting(RealtimeCluster cluster)
{
    [Fact]
    public async Task A_valid_token_in_the_header_connects_and_says_connected_with_the_user_id()
    {
        var userId = await cluster.CreateUserAsync();
        await using var client = TestClient.Create(cluster.Node1, cluster.TokenFor(userId), userId);
        await client.StartAsync();

        var connected = await client.WaitForAsync("connected");
        JsonAssert.HasExactly(connected, "user_id");
        Assert.Equal(userId, connected.Guid("user_id"));
    }

    [Fact]
    public async Task A_valid_token_as_access_token_query_parameter_connects_over_a_plain_websocket_upgrade()
    {
        var userId = await cluster.CreateUserAsync();
        await using var client = TestClient.CreateWithQueryToken(cluster.Node2, cluster.TokenFor(userId), userId);
        await client.StartAsync();

        var connected = await client.WaitForAsync("connected");
        Assert.Equal(userId, connected.Guid("user_id"));
    }

    [Fact]
    public async Task A_valid_token_as_access_token_query_parameter_connects_after_negotiating_and_keeps_the_connection_id()
    {
        var userId = await cluster.CreateUserAsync();
        await using var client = TestClient.CreateWithQueryToken(cluster.Node1, cluster.TokenFor(userId), userId, negotiate: true);
        await client.StartAsync();

        var connected = await client.WaitForAsync("connected");
        Assert.Equal(userId, connected.Guid("user_id"));
        Assert.False(string.IsNullOrEmpty(client.ConnectionId));
        await client.InvokeAsync("heartbeat", new { });
        await client.WaitForAsync("pong");
    }

    [Fact]
    public async Task A_forged_token_is_refused()
    {
        var userId = await cluster.CreateUserAsync();
        var forged = new TokenService(new JwtOptions { SigningKey = "an-attacker-signing-key-0123456789-abcdefghijklmnop" }, TimeProvider.System)
            .Issue(userId, "user");

        await using var client = TestClient.Create(cluster.Node1, forged, userId);
        var refused = await Assert.ThrowsAsync<HttpRequestException>(client.StartAsync);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        await using var raw = TestClient.CreateWithQueryToken(cluster.Node2, forged, userId);
        await Assert.ThrowsAnyAsync<Exception>(raw.StartAsync);
        Assert.Empty(raw.Events);
    }

    [Fact]
    public async Task A_connection_without_token_or_with_an_expired_one_is_refused()
    {
        var userId = await cluster.CreateUserAsync();
        await using var anonymous = TestClient.Create(cluster.Node1, null, userId);
        var refused = await Assert.ThrowsAsync<HttpRequestException>(anonymous.StartAsync);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        var expired = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "souk-loop",
            Audience = "souk-loop-app",
            IssuedAt = DateTime.UtcNow.AddHours(-2),
            NotBefore = DateTime.UtcNow.AddHours(-2),
            Expires = DateTime.UtcNow.AddHours(-1),
            Claims = new Dictionary<string, object> { [JwtRegisteredClaimNames.Sub] = userId.ToString() },
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(cluster.SigningKey)), SecurityAlgorithms.HmacSha256)
        });
        await using var late = TestClient.Create(cluster.Node2, expired, userId);
        refused = await Assert.ThrowsAsync<HttpRequestException>(late.StartAsync);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task A_connection_is_closed_when_its_token_expires()
    {
        var userId = await cluster.CreateUserAsync();
        var shortLived = new TokenService(new JwtOptions { SigningKey = cluster.SigningKey, Lifetime = TimeSpan.FromSeconds(4) }, TimeProvider.System)
            .Issue(userId, "user");
        await using var client = TestClient.CreateWithQueryToken(cluster.Node1, shortLived, userId);
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Connection.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };
        await client.StartAsync();
        await client.WaitForAsync("connected");

        await closed.Task.WaitAsync(TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task Heartbeat_answers_pong_to_the_caller_only()
    {
        var userId = await cluster.CreateUserAsync();
        await using var phone = await cluster.ConnectAsync(userId, cluster.Node1, "phone");
        await using var tablet = await cluster.ConnectAsync(userId, cluster.Node2, "tablet");

        await phone.InvokeAsync("heartbeat", new { });
        var pong = await phone.WaitForAsync("pong");
        JsonAssert.HasExactly(pong, "timestamp");

        await Task.Delay(500);
        Assert.Equal(1, phone.Count("pong"));
        Assert.Equal(0, tablet.Count("pong"));
    }

    [Fact]
    public async Task A_payload_of_the_wrong_shape_is_answered_with_an_error_to_the_caller_only()
    {
        var userId = await cluster.CreateUserAsync();
        await using var phone = await cluster.ConnectAsync(userId, cluster.Node1, "phone");
        await using var tablet = await cluster.ConnectAsync(userId, cluster.Node2, "tablet");

        await phone.InvokeAsync("conversation:join", new { conversation_id = "not-a-uuid" });
        var error = await phone.WaitForErrorAsync("validation_failed");
        JsonAssert.HasExactly(error, "code", "detail");
        Assert.Contains("conversation_id", error.String("detail"));

        await phone.InvokeAsync("offer:respond", new { offer_id = Guid.NewGuid(), action = "haggle" });
        await phone.WaitForAsync("error", e => e.String("detail")!.Contains("action"));

        await Task.Delay(500);
        Assert.Empty(tablet.Refusals());
    }

    [Fact]
    public async Task Both_nodes_are_live_and_ready()
    {
        using var http = new HttpClient();
        foreach (var node in cluster.Nodes)
        {
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"{node.BaseUrl}/health/live")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"{node.BaseUrl}/health/ready")).StatusCode);
        }
    }
}
