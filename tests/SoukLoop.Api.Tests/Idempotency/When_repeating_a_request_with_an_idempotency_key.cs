using System.Net;
using SoukLoop.Api.Tests.Infrastructure;

namespace SoukLoop.Api.Tests.Idempotency;

[Collection(ApiCollection.Name)]
public class When_repeating_a_request_with_an_idempotency_key(ApiFixture api)
{
    readonly HttpClient _client = api.CreateClient();
    static readonly object Lamp = new { title = "Lamp", price = 25, feed = "community" };

    Task<long> ProductsOf(TestUser seller) =>
        api.ScalarAsync<long>("SELECT count(*) FROM products WHERE seller_id = @id", ("id", seller.Id));

    [Fact]
    public async Task Should_create_one_product_and_answer_the_same_twice()
    {
        var seller = await _client.RegisterAsync();
        var key = Guid.NewGuid().ToString();

        var first = await _client.PostJsonAsync("products", Lamp, seller.Token, key);
        var second = await _client.PostJsonAsync("products", Lamp, seller.Token, key);

        var one = await first.ShouldBeJsonAsync(HttpStatusCode.Created);
        var two = await second.ShouldBeJsonAsync(HttpStatusCode.Created);
        Assert.Equal(one.Str("id"), two.Str("id"));
        Assert.Equal(one.GetRawText(), two.GetRawText());
        Assert.Equal(first.Headers.Location, second.Headers.Location);
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal("true", second.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(1, await ProductsOf(seller));
    }

    [Fact]
    public async Task Should_refuse_the_same_key_with_a_different_body()
    {
        var seller = await _client.RegisterAsync();
        var key = Guid.NewGuid().ToString();
        await (await _client.PostJsonAsync("products", Lamp, seller.Token, key)).ShouldBeJsonAsync(HttpStatusCode.Created);

        var response = await _client.PostJsonAsync("products", new { title = "Another lamp", price = 25, feed = "community" }, seller.Token, key);

        await response.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "idempotency_key_reused");
        Assert.Equal(1, await ProductsOf(seller));
    }

    [Fact]
    public async Task Should_keep_keys_apart_per_user()
    {
        var alice = await _client.RegisterAsync();
        var bob = await _client.RegisterAsync();
        const string key = "shared-key-1";

        var a = await (await _client.PostJsonAsync("products", Lamp, alice.Token, key)).ShouldBeJsonAsync(HttpStatusCode.Created);
        var b = await (await _client.PostJsonAsync("products", Lamp, bob.Token, key)).ShouldBeJsonAsync(HttpStatusCode.Created);

        Assert.NotEqual(a.Str("id"), b.Str("id"));
        Assert.Equal(bob.Id.ToString(), b.Str("seller_id"));
    }

    [Fact]
    public async Task Should_create_twice_without_a_key()
    {
        var seller = await _client.RegisterAsync();

        await (await _client.PostJsonAsync("products", Lamp, seller.Token)).ShouldBeJsonAsync(HttpStatusCode.Created);
        await (await _client.PostJsonAsync("products", Lamp, seller.Token)).ShouldBeJsonAsync(HttpStatusCode.Created);

        Assert.Equal(2, await ProductsOf(seller));
    }

    [Fact]
    public async Task Should_do_the_work_once_when_duplicates_arrive_together()
    {
        var seller = await _client.RegisterAsync();
        var key = Guid.NewGuid().ToString();

        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => _client.PostJsonAsync("products", Lamp, seller.Token, key)));

        var ids = new HashSet<string>();
        foreach (var response in responses)
        {
            if (response.StatusCode == HttpStatusCode.Conflict)
                await response.ShouldBeProblemAsync(HttpStatusCode.Conflict, "idempotency_in_progress");
            else
                ids.Add((await response.ShouldBeJsonAsync(HttpStatusCode.Created)).Str("id"));
        }
        Assert.Single(ids);
        Assert.Equal(1, await ProductsOf(seller));
    }

    [Fact]
    public async Task Should_answer_in_progress_while_the_first_request_is_unfinished()
    {
        var seller = await _client.RegisterAsync();
        var key = Guid.NewGuid().ToString();
        await (await _client.PostJsonAsync("products", Lamp, seller.Token, key)).ShouldBeJsonAsync(HttpStatusCode.Created);
        await api.ExecuteSqlAsync("UPDATE idempotency_records SET status_code = 0, response_body = NULL WHERE user_id = @u AND key = @k",
            ("u", seller.Id), ("k", key));

        var response = await _client.PostJsonAsync("products", Lamp, seller.Token, key);

        await response.ShouldBeProblemAsync(HttpStatusCode.Conflict, "idempotency_in_progress");
    }

    [Fact]
    public async Task Should_run_again_when_the_first_request_died_unfinished()
    {
        var seller = await _client.RegisterAsync();
        var key = Guid.NewGuid().ToString();
        await (await _client.PostJsonAsync("products", Lamp, seller.Token, key)).ShouldBeJsonAsync(HttpStatusCode.Created);
        await api.ExecuteSqlAsync("DELETE FROM products WHERE seller_id = @u", ("u", seller.Id)); // its work rolled back with it
        await api.ExecuteSqlAsync(
            "UPDATE idempotency_records SET status_code = 0, response_body = NULL, created_at = now() - interval '10 minutes' WHERE user_id = @u AND key = @k",
            ("u", seller.Id), ("k", key));

        var response = await _client.PostJsonAsync("products", Lamp, seller.Token, key);

        await response.ShouldBeJsonAsync(HttpStatusCode.Created);
        Assert.Equal(1, await ProductsOf(seller));
    }

    [Fact]
    public async Task Should_forget_the_key_after_24_hours()
    {
        var seller = await _client.RegisterAsync();
        var key = Guid.NewGuid().ToString();
        var first = await (await _client.PostJsonAsync("products", Lamp, seller.Token, key)).ShouldBeJsonAsync(HttpStatusCode.Created);
        await api.ExecuteSqlAsync("UPDATE idempotency_records SET created_at = now() - interval '25 hours' WHERE user_id = @u AND key = @k",
            ("u", seller.Id), ("k", key));

        var second = await (await _client.PostJsonAsync("products", Lamp, seller.Token, key)).ShouldBeJsonAsync(HttpStatusCode.Created);

        Assert.NotEqual(first.Str("id"), second.Str("id"));
        Assert.Equal(2, await ProductsOf(seller));
    }

    [Fact]
    public async Task Should_replay_a_rejection_and_store_nothing_else()
    {
        var seller = await _client.RegisterAsync();
        var key = Guid.NewGuid().ToString();
        var invalid = new { title = "Lamp", price = 25, feed = "nowhere" };

        var first = await (await _client.PostJsonAsync("products", invalid, seller.Token, key))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        var second = await _client.PostJsonAsync("products", invalid, seller.Token, key);

        var replayed = await second.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.Equal(first.GetProperty("errors").GetRawText(), replayed.GetProperty("errors").GetRawText());
        Assert.Equal(0, await ProductsOf(seller));
    }
}
