using SoukLoop.Contracts;
using SoukLoop.Realtime.Tests.Infrastructure;

namespace SoukLoop.Realtime.Tests;

/// <summary>
/// Scale-out: both nodes consume each event queue as competing consumers (so each event is handled once per cluster)
/// and the Redis backplane fans every push out to the connections on both nodes, each exactly once.
/// </summary>
[Collection(ClusterCollection.Name)]
public class When_running_two_nodes(RealtimeCluster cluster)
{
    [Fact]
    public async Task Every_event_queue_is_shared_by_both_nodes()
    {
        foreach (var queue in RealtimeCluster.RealtimeQueues)
            Assert.Equal(2, await cluster.QueueConsumerCountAsync(queue));
    }

    [Fact]
    public async Task Published_events_reach_each_connection_on_either_node_exactly_once()
    {
        var alice = await cluster.CreateUserAsync("Alice");
        var bob = await cluster.CreateUserAsync("Bob");
        var carol = await cluster.CreateUserAsync("Carol");
        var conversation = await cluster.CreateConversationAsync(alice, bob);
        var clients = new List<TestClient>();
        foreach (var node in cluster.Nodes)
        {
            clients.Add(await cluster.ConnectAsync(bob, node, $"bob@{node.Name}"));
            clients.Add(await cluster.ConnectAsync(bob, node, $"bob-2@{node.Name}"));
        }
        var senders = new List<TestClient>();
        foreach (var node in cluster.Nodes)
            senders.Add(await cluster.ConnectAsync(alice, node, $"alice@{node.Name}"));
        await using var stranger = await cluster.ConnectAsync(carol, cluster.Node1, "carol");

        const int count = 40;
        var ids = Enumerable.Range(0, count).Select(_ => Guid.NewGuid()).ToList();
        foreach (var id in ids)
        {
            await cluster.Bus.Publish(new MessageSent(conversation, id, alice, bob, "text", $"m {id}", [], null, null, false, DateTime.UtcNow, 1, null));
        }
        await cluster.Bus.Publish(new ConversationRead(conversation, bob, alice, DateTime.UtcNow));
        await cluster.Bus.Publish(new MessageRead(conversation, ids[0], bob, alice, DateTime.UtcNow));

        foreach (var client in clients)
            await client.WaitForCountAsync("message:new", count);
        foreach (var sender in senders)
        {
            await sender.WaitForCountAsync("message:delivered", count);
            await sender.WaitForAsync("messages:read");
            await sender.WaitForAsync("message:read");
        }

        await Task.Delay(1500);
        foreach (var client in clients)
        {
            var received = client.All("message:new").Select(m => m.Guid("id")).ToList();
            Assert.Equal(count, received.Count);
            Assert.Equal(ids.OrderBy(x => x), received.Distinct().OrderBy(x => x));
            Assert.Equal(0, client.Count("message:delivered") + client.Count("messages:read") + client.Count("message:read"));
        }
        foreach (var sender in senders)
        {
            Assert.Equal(count, sender.All("message:delivered").Select(m => m.Guid("id")).Distinct().Count());
            Assert.Equal(count, sender.Count("message:delivered"));
            Assert.Equal(1, sender.Count("messages:read"));
            Assert.Equal(1, sender.Count("message:read"));
            Assert.Equal(0, sender.Count("message:new"));
        }
        Assert.DoesNotContain(stranger.Events, e => e.Name.StartsWith("message"));

        foreach (var client in clients.Concat(senders))
            await client.DisposeAsync();
    }
}
