using System.Collections.Concurrent;
using MassTransit;
using MassTransit.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SoukLoop.Workers;
using SoukLoop.Workers.Payments;

namespace SoukLoop.UnitTests.Retry;

public class FlakyState : SagaStateMachineInstance
{
    public Guid CorrelationId { get; set; }
    public string CurrentState { get; set; } = "";
}

public record Poke(Guid Id);

/// <summary>A saga whose step loses a version check on its first attempt, as a saga step of ours does under a concurrent move.</summary>
public class FlakyStateMachine : MassTransitStateMachine<FlakyState>
{
    public static readonly ConcurrentDictionary<Guid, int> Attempts = new();

    public FlakyStateMachine()
    {
        InstanceState(x => x.CurrentState);
        Event(() => Poke, x => x.CorrelateById(m => m.Message.Id));
        Initially(
            When(Poke)
                .Then(ctx =>
                {
                    if (Attempts.AddOrUpdate(ctx.Message.Id, 1, (_, n) => n + 1) == 1)
                        throw new DbUpdateConcurrencyException("The row changed since it was read.");
                })
                .TransitionTo(Done));
    }

    public State Done { get; private set; } = null!;
    public Event<Poke> Poke { get; private set; } = null!;
}

/// <summary>
/// MassTransit raises what a saga step throws as an <see cref="EventExecutionException"/> around it: the one retry policy
/// (<see cref="TransientRetry"/>) looks at the exception and every inner one, so a conflict inside a step is retried at once.
/// </summary>
public class When_a_saga_step_fails_transiently
{
    [Fact]
    public void Should_see_a_database_error_inside_the_state_machine_wrapper()
    {
        var wrapped = new EventExecutionException("Poke failed", new DbUpdateConcurrencyException("conflict"));

        Assert.True(TransientRetry.IsTransient(wrapped));
        Assert.True(TransientRetry.IsTransient(new AggregateException(wrapped)));
        Assert.False(TransientRetry.IsTransient(new EventExecutionException("Poke failed", new InvalidOperationException("a bug"))));
    }

    [Fact]
    public void Should_not_retry_data_postgres_refuses_whatever_the_attempt()
    {
        // A NUL byte in a text column: SQLSTATE 22021, the same on every attempt.
        var refused = new DbUpdateException("save failed", new Npgsql.PostgresException("invalid byte sequence", "ERROR", "ERROR", "22021"));

        Assert.False(TransientRetry.IsTransient(new EventExecutionException("MakeOffer failed", refused)));
        Assert.True(TransientRetry.IsTransient(new DbUpdateException("save failed",
            new Npgsql.PostgresException("could not serialize access", "ERROR", "ERROR", "40001"))));
    }

    [Fact]
    public void Should_see_stripe_being_unavailable_inside_the_state_machine_wrapper()
    {
        var wrapped = new EventExecutionException("OfferAccepted failed", new HttpRequestException("connection refused"));

        Assert.True(TransientRetry.IsTransient(wrapped, PaymentStateDefinition.StripeUnavailable));
        Assert.False(TransientRetry.IsTransient(wrapped));
    }

    [Fact]
    public async Task Should_retry_a_conflict_raised_inside_a_saga_step_and_finish_the_saga()
    {
        await using var provider = new ServiceCollection()
            .AddMassTransitTestHarness(x =>
            {
                x.AddSagaStateMachine<FlakyStateMachine, FlakyState>().InMemoryRepository();
                x.AddConfigureEndpointsCallback((_, _, endpoint) => endpoint.UseTransientRetry());
            })
            .BuildServiceProvider(true);
        var harness = provider.GetTestHarness();
        await harness.Start();
        var id = NewId.NextGuid();

        await harness.Bus.Publish(new Poke(id));

        var saga = harness.GetSagaStateMachineHarness<FlakyStateMachine, FlakyState>();
        Assert.NotNull(await saga.Exists(id, m => m.Done, TimeSpan.FromSeconds(10)));
        Assert.Equal(2, FlakyStateMachine.Attempts[id]);
        Assert.False(await harness.Published.Any<Fault<Poke>>());
    }
}
