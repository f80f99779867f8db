using System.Net;
using Microsoft.EntityFrameworkCore;
using SoukLoop.IntegrationTests.Messaging;

namespace SoukLoop.IntegrationTests.Support;

/// <summary>A chat command that faults for good is recorded for support like an offer command (docs/support.md, message_faults).</summary>
[Collection(SupportCollection.Name)]
public class When_a_chat_command_faults_for_good(SupportFixture system)
{
    [Fact]
    public async Task Should_show_a_send_that_faulted_for_good_in_the_support_faults()
    {
        var (buyer, _, _, conversationId) = await system.Pair();
        var support = await system.CreateSupportUserAsync();

        // A real refusal by Postgres on every attempt: a trigger that raises for this one conversation's new messages.
        var refusal = await PostgresRefusal.Create(system, conversationId, "messages", "INSERT", $"NEW.conversation_id = '{conversationId}'");
        try
        {
            var (status, answer) = await buyer.Text(conversationId, "never stored");
            Assert.True(status == HttpStatusCode.Accepted || (status, answer.Code()) == (HttpStatusCode.ServiceUnavailable, "message_processing_failed"),
                $"{(int)status} {answer}");

            var (_, faults) = await OfferApi.Eventually(() => support.Get($"/api/v1/support/faults?correlation_id={conversationId}&final=true"),
                r => r.Status == HttpStatusCode.OK && r.Body.Items("items").Any(), OfferApi.Applied);
            var fault = Assert.Single(faults.Items("items"));
            Assert.Equal("urn:message:SoukLoop.Contracts:SendMessage", fault.Str("message_type"));
            Assert.Equal("Npgsql.PostgresException", fault.Str("exception_type"));
            Assert.Contains("frozen by the test", fault.Str("exception_message"));
            Assert.EndsWith("/send-message", fault.Str("destination"));
            Assert.Contains("never stored", fault.Str("message_body"));
            Assert.Empty(await system.StoredMessages(conversationId));
        }
        finally
        {
            await refusal.DisposeAsync();
        }
    }
}
