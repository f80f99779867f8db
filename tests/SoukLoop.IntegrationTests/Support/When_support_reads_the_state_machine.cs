using System.Net;
using System.Xml.Linq;

namespace SoukLoop.IntegrationTests.Support;

[Collection(SupportCollection.Name)]
public class When_support_reads_the_state_machine(SupportFixture system)
{
    [Fact]
    public async Task Should_describe_states_events_and_exact_transitions_generated_from_the_machine()
    {
        var support = await system.CreateSupportUserAsync();

        var (status, machine) = await support.Get("/api/v1/support/offers/state-machine");

        Assert.True(status == HttpStatusCode.OK, $"{(int)status} {machine}");
        Assert.Equal("offer", machine.Str("name"));
        Assert.Equal("OfferStateMachine", machine.Str("machine_type"));
        var states = machine.Items("states").Select(s => s.GetString()).ToList();
        Assert.Superset(new HashSet<string?> { "Initial", "Pending", "Countered", "Accepted", "Declined", "Withdrawn", "Expired" }, states.ToHashSet());
        Assert.Superset(new HashSet<string?> { "Accepted", "Declined", "Withdrawn", "Expired" }, machine.Items("final_states").Select(s => s.GetString()).ToHashSet());
        var events = machine.Items("events").Select(e => e.Str("name")).ToList();
        Assert.Contains("ExpireOffer", events);
        Assert.Contains("RearmOfferExpiry", events);

        var transitions = machine.Items("transitions").Select(t => (t.Str("from"), t.Str("event"), t.Str("to"), t.Str("kind"))).ToList();
        Assert.Contains(("Initial", "MakeOffer", "Pending", "transition"), transitions);
        Assert.Contains(("Pending", "CounterOffer", "Countered", "transition"), transitions);
        Assert.Contains(("Countered", "CounterOffer", "Pending", "transition"), transitions);
        Assert.Contains(("Pending", "ExpireOffer", "Expired", "transition"), transitions);
        Assert.Contains(("Countered", "ExpirationTimeout.Received", "Expired", "transition"), transitions);
        Assert.Contains(("Pending", "RearmOfferExpiry", "Pending", "stays"), transitions);
        Assert.Contains(("Initial", "MakeOffer", "Final", "on_error"), transitions);
        Assert.DoesNotContain(("Pending", "CounterOffer", "Pending", "transition"), transitions);

        // MassTransit's own GetGraph() is there too: state and event vertices, state→event→state edges.
        var graph = machine.GetProperty("graph");
        Assert.Contains(graph.Items("vertices"), v => v.Str("kind") == "event" && v.Str("title") == "AcceptOffer" && v.Str("target_type") == "AcceptOffer");
        Assert.Contains(graph.Items("edges"), e => e.Str("from") == "state:Pending" && e.Str("to") == "event:AcceptOffer");
        Assert.Contains(graph.Items("edges"), e => e.Str("from") == "event:AcceptOffer" && e.Str("to") == "state:Accepted");
    }

    [Fact]
    public async Task Should_draw_it_as_svg_with_the_current_state_highlighted()
    {
        var support = await system.CreateSupportUserAsync();
        var request = support.Request(HttpMethod.Get, "/api/v1/support/offers/state-machine?format=svg&highlight=countered");
        using var response = await system.Client.SendAsync(request);
        var svg = XDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/svg+xml", response.Content.Headers.ContentType?.MediaType);
        XNamespace ns = "http://www.w3.org/2000/svg";
        var states = svg.Descendants(ns + "g").Where(g => ((string?)g.Attribute("class"))?.StartsWith("state") == true).ToList();
        Assert.Contains(states, g => (string?)g.Attribute("data-state") == "Pending");
        var current = Assert.Single(states, g => ((string)g.Attribute("class")!).Contains("current"));
        Assert.Equal("Countered", (string?)current.Attribute("data-state"));
        Assert.Contains(svg.Descendants(ns + "path"), p => (string?)p.Attribute("data-from") == "Pending" && (string?)p.Attribute("data-to") == "Countered");

        using var plain = await system.Client.SendAsync(support.Request(HttpMethod.Get, "/api/v1/support/offers/state-machine.svg"));
        Assert.Equal("image/svg+xml", plain.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("current", await plain.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Should_list_every_machine_and_refuse_unknown_names_and_states()
    {
        var support = await system.CreateSupportUserAsync();

        var (status, list) = await support.Get("/api/v1/support/state-machines");
        Assert.Equal(HttpStatusCode.OK, status);
        var offer = Assert.Single(list.Items("machines"), m => m.Str("name") == "offer");
        Assert.Equal("/api/v1/support/state-machines/offer.svg", offer.Str("svg"));

        (status, var same) = await support.Get("/api/v1/support/state-machines/offer?highlight=Pending");
        Assert.Equal((HttpStatusCode.OK, "Pending"), (status, same.Str("highlight")));

        (status, var problem) = await support.Get("/api/v1/support/state-machines/unicorn");
        Assert.Equal((HttpStatusCode.NotFound, "state_machine_not_found"), (status, problem.Code()));
        (status, problem) = await support.Get("/api/v1/support/offers/state-machine?highlight=Lost");
        Assert.Equal((HttpStatusCode.BadRequest, "validation_failed"), (status, problem.Code()));
        (status, problem) = await support.Get("/api/v1/support/offers/state-machine?format=png");
        Assert.Equal((HttpStatusCode.BadRequest, "validation_failed"), (status, problem.Code()));
    }
}
