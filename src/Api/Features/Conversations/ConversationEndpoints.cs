using System.Security.Claims;
using MassTransit;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SoukLoop.Api.Idempotency;
using SoukLoop.Api.Infrastructure;
using SoukLoop.Contracts;
using SoukLoop.Persistence;
using SoukLoop.Persistence.Model;
using SoukLoop.ServiceDefaults;

namespace SoukLoop.Api.Features.Conversations;

/// <summary>
/// The conversation routes (API.md "Conversations and messages", seed 3.1). Sends and reads are commands to the
/// messaging workers (SendMessage, MarkConversationRead), awaited for at most <see cref="MessagingOptions.ResponseTimeout"/>;
/// the workers store them and publish the events the Realtime node fans out. Only the two participants ever learn that a
/// conversation exists: anyone else gets 404 conversation_not_found on every route.
/// </summary>
public static class ConversationEndpoints
{
    public static IServiceCollection AddConversationEndpoints(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<MessagingOptions>().Bind(configuration.GetSection(MessagingOptions.Section));
        services.AddSendRateLimit(configuration);
        return services;
    }

    public static RouteGroupBuilder MapConversations(this RouteGroupBuilder api)
    {
        var conversations = api.MapGroup("/conversations").WithTags("Conversations").RequireAuthorization();
        conversations.MapPost("/", StartConversation).WithIdempotency().RequireRateLimiting(SendRateLimit.Policy)
            .WithName("StartConversation").WithSummary("Find or start the conversation with a user (about a product), optionally with a first message.");
        conversations.MapGet("/", ListConversations).WithName("ListConversations").WithSummary("The caller's conversations, newest activity first.");
        conversations.MapGet("/{id}", GetConversation).WithName("GetConversation")
            .WithSummary("One conversation with its latest messages; marks what the caller received as read.");
        conversations.MapDelete("/{id}", ArchiveConversation).WithName("ArchiveConversation").WithSummary("Archive for the caller only.");
        conversations.MapPatch("/{id}/read", MarkConversationRead).WithIdempotency().WithName("MarkConversationRead")
            .WithSummary("Mark everything the caller received as read.");
        conversations.MapPost("/{id}/messages", SendMessage).WithIdempotency().RequireRateLimiting(SendRateLimit.Policy)
            .WithName("SendMessage").WithSummary("Send a text or image message.");
        conversations.MapGet("/{id}/messages", ListMessages).WithName("ListMessages").WithSummary("Messages, newest first, by cursor.");
        conversations.MapGet("/{id}/messages/{messageId}", GetMessage).WithName("GetMessage").WithSummary("One stored message.");
        return api;
    }

    public static async Task<Results<Created<ConversationDetail>, Ok<ConversationDetail>, ProblemHttpResult, ValidationProblem>> StartConversation(
        StartConversationRequest request, ClaimsPrincipal user, SoukDbContext db, IServiceScopeFactory scopes, CommandGateway gateway,
        IOptions<MessagingOptions> options, ILoggerFactory logs, CancellationToken ct)
    {
        var me = user.UserId();
        var errors = new ValidationErrors();
        if (request.OtherUserId is not { } otherId || otherId == Guid.Empty)
        {
            errors.Add("other_user_id", "This field is required.");
            otherId = Guid.Empty;
        }
        if (request.ProductId == Guid.Empty)
            errors.Add("product_id", "Must be a product id or left out.");
        MessageRules.Normalized? initial = null;
        if (request.InitialMessage is not null)
        {
            if (MessageRules.Check(MessageTypes.Text, request.InitialMessage, null, null, out var normalized) is { } violation)
                foreach (var message in violation.Errors.Values.SelectMany(m => m))
                    errors.Add("initial_message", message);
            initial = normalized;
        }
        if (!errors.IsValid)
            return Problems.Validation(errors.ToDictionary());

        if (otherId == me)
            return Problems.BadRequest(ConversationCodes.CannotMessageYourself, "You cannot start a conversation with yourself.");
        if (!await db.Users.AnyAsync(u => u.Id == otherId, ct))
            return Problems.NotFound(ConversationCodes.UserNotFound, "No user has this id.");

        Guid buyerId, sellerId;
        if (request.ProductId is { } productId)
        {
            var seller = await db.Products.Where(p => p.Id == productId).Select(p => (Guid?)p.SellerId).SingleOrDefaultAsync(ct);
            if (seller is null)
                return Problems.NotFound(ProblemCodes.ProductNotFound, "No product has this id.");
            // The product's seller is the seller; the other participant is the (prospective) buyer.
            if (seller == me)
                (buyerId, sellerId) = (otherId, me);
            else if (seller == otherId)
                (buyerId, sellerId) = (me, otherId);
            else
                return Problems.BadRequest(ConversationCodes.OtherUserNotSeller,
                    "A conversation about a product is with its seller: other_user_id must be the product's seller.");
        }
        else
            (buyerId, sellerId) = Conversation.DirectPair(me, otherId);

        // Committed on its own connection: the messaging worker must see it, also while an Idempotency-Key transaction is open.
        // Race-safe: the unique index (buyer, seller, product) with NULLS NOT DISTINCT lets exactly one insert win.
        Guid conversationId;
        bool created;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var writer = scope.ServiceProvider.GetRequiredService<SoukDbContext>();
            var now = DbClock.UtcNow();
            created = await writer.Database.ExecuteSqlAsync($"""
                INSERT INTO conversations (id, buyer_id, seller_id, product_id, unread_count_buyer, unread_count_seller,
                                           is_archived_buyer, is_archived_seller, created_at, last_message_at)
                VALUES ({Guid.CreateVersion7()}, {buyerId}, {sellerId}, {request.ProductId}, 0, 0, false, false, {now}, {now})
                ON CONFLICT (buyer_id, seller_id, product_id) DO NOTHING
                """, ct) == 1;
            conversationId = await writer.Conversations
                .Where(c => c.BuyerId == buyerId && c.SellerId == sellerId && c.ProductId == request.ProductId)
                .Select(c => c.Id).SingleAsync(ct);
        }

        if (initial is not null)
        {
            var command = new SendMessage(conversationId, NewId.NextGuid(), me, MessageTypes.Text, initial.Content, [], null);
            var outcome = await Ask<SendMessage, MessageSent>(gateway, command, options.Value, ct);
            if (outcome.Problem is { } problem && outcome.Pending is false)
                return problem;
            if (outcome.Pending)
                Logger(logs).LogWarning(
                    "Initial message {MessageId} of conversation {ConversationId} not confirmed within {Timeout}; it stays queued",
                    command.MessageId, conversationId, options.Value.ResponseTimeout);
        }

        var detail = (await ConversationQueries.Detail(db, conversationId, me, readByViewer: false, ct))!;
        return created ? TypedResults.Created(ConversationLocation(conversationId), detail) : TypedResults.Ok(detail);
    }

    public static async Task<Results<Ok<PagedConversations>, ValidationProblem>> ListConversations(ClaimsPrincipal user, SoukDbContext db,
        int? page, [FromQuery(Name = "per_page")] int? perPage, string? filter, CancellationToken ct)
    {
        var errors = new ValidationErrors();
        var (p, size) = errors.Paging(page, perPage);
        ConversationFilter? which = (filter ?? "all").ToLowerInvariant() switch
        {
            "all" => ConversationFilter.All,
            "unread" => ConversationFilter.Unread,
            "archived" => ConversationFilter.Archived,
            _ => null
        };
        if (which is null)
            errors.Add("filter", "Must be 'all', 'unread' or 'archived'.");
        if (!errors.IsValid)
            return Problems.Validation(errors.ToDictionary());

        return TypedResults.Ok(await ConversationQueries.List(db, user.UserId(), which!.Value, p, size, ct));
    }

    public static async Task<Results<Ok<ConversationDetail>, ProblemHttpResult>> GetConversation(string id, ClaimsPrincipal user, SoukDbContext db,
        CommandGateway gateway, IOptions<MessagingOptions> options, ILoggerFactory logs, CancellationToken ct)
    {
        var me = user.UserId();
        if (await Find(db, id, me, ct) is not { } conversation)
            return ConversationNotFound();

        var queued = false;
        // Nothing unread (the count is exact): nothing to mark, no read receipt to send again.
        if (conversation.UnreadCountOf(me) > 0)
        {
            var outcome = await Ask<MarkConversationRead, ConversationRead>(gateway, new MarkConversationRead(conversation.Id, me), options.Value, ct);
            if (outcome.Pending)
                queued = true;
            else if (outcome.Problem is not null)
                // Reading must not fail because the broker is away: show the conversation as it is, still unread.
                Logger(logs).LogWarning("Could not mark conversation {ConversationId} read for {UserId}",
                    conversation.Id, me);
        }

        var detail = await ConversationQueries.Detail(db, conversation.Id, me, readByViewer: queued, ct);
        return detail is null ? ConversationNotFound() : TypedResults.Ok(detail);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> ArchiveConversation(string id, ClaimsPrincipal user, SoukDbContext db,
        CancellationToken ct)
    {
        var me = user.UserId();
        if (await Find(db, id, me, ct) is not { } conversation)
            return ConversationNotFound();

        var isBuyer = conversation.BuyerId == me;
        await db.Conversations.Where(c => c.Id == conversation.Id).ExecuteUpdateAsync(s =>
        {
            if (isBuyer)
                s.SetProperty(c => c.IsArchivedBuyer, true);
            else
                s.SetProperty(c => c.IsArchivedSeller, true);
        }, ct);
        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<UnreadCountResponse>, Accepted<UnreadCountResponse>, ProblemHttpResult>> MarkConversationRead(string id,
        ClaimsPrincipal user, SoukDbContext db, CommandGateway gateway, IOptions<MessagingOptions> options,
        CancellationToken ct)
    {
        var me = user.UserId();
        if (await Find(db, id, me, ct) is not { } conversation)
            return ConversationNotFound();

        var outcome = await Ask<MarkConversationRead, ConversationRead>(gateway, new MarkConversationRead(conversation.Id, me), options.Value, ct);
        if (outcome.Pending)
            return TypedResults.Accepted(ConversationLocation(conversation.Id), new UnreadCountResponse(0));
        if (outcome.Problem is { } problem)
            return problem;
        return TypedResults.Ok(new UnreadCountResponse(0));
    }

    public static async Task<Results<Created<MessageResponse>, Ok<MessageResponse>, Accepted<MessagePending>, ProblemHttpResult, ValidationProblem>>
        SendMessage(string id, SendMessageRequest request, ClaimsPrincipal user, SoukDbContext db, CommandGateway gateway,
            IOptions<MessagingOptions> options, CancellationToken ct)
    {
        var me = user.UserId();
        if (await Find(db, id, me, ct) is not { } conversation)
            return ConversationNotFound();

        if (MessageRules.Check(request.MessageType, request.Content, request.ImageUrls, request.ClientMessageId, out var message) is { } violation)
            return TypedResults.ValidationProblem(violation.Errors, detail: violation.Detail, title: "Validation failed", extensions: new Dictionary<string, object?> { [ProblemConventions.CodeKey] = violation.Code });

        var command = new SendMessage(conversation.Id, NewId.NextGuid(), me, message.MessageType, message.Content, message.ImageUrls,
            message.ClientMessageId);
        var outcome = await Ask<SendMessage, MessageSent>(gateway, command, options.Value, ct);
        if (outcome.Answer is { } sent)
        {
            var stored = MessageResponse.From(sent);
            // A resend (same client_message_id) answers 200 with the message stored the first time.
            return sent.MessageId == command.MessageId
                ? TypedResults.Created(MessageLocation(conversation.Id, sent.MessageId), stored)
                : TypedResults.Ok(stored);
        }
        if (outcome.Pending)
        {
            var location = MessageLocation(conversation.Id, command.MessageId);
            return TypedResults.Accepted(location, new MessagePending(command.MessageId, conversation.Id, "processing", location));
        }
        return outcome.Problem!;
    }

    public static async Task<Results<Ok<MessagePage>, ProblemHttpResult, ValidationProblem>> ListMessages(string id, ClaimsPrincipal user,
        SoukDbContext db, [FromQuery(Name = "before_message_id")] string? beforeMessageId, int? limit, CancellationToken ct)
    {
        var me = user.UserId();
        if (await Find(db, id, me, ct) is not { } conversation)
            return ConversationNotFound();

        var errors = new ValidationErrors();
        var size = limit ?? 50;
        if (size is < 1 or > 100)
            errors.Add("limit", "Must be between 1 and 100.");
        Guid? cursorId = null;
        if (!string.IsNullOrEmpty(beforeMessageId))
        {
            if (Guid.TryParse(beforeMessageId, out var parsed))
                cursorId = parsed;
            else
                errors.Add("before_message_id", "Must be a message id.");
        }
        if (!errors.IsValid)
            return Problems.Validation(errors.ToDictionary());

        (DateTime, Guid)? before = null;
        if (cursorId is { } cursor)
        {
            // A message of another conversation is no cursor here: it must not reveal anything about that conversation.
            var at = await db.Messages.AsNoTracking().Where(m => m.Id == cursor && m.ConversationId == conversation.Id)
                .Select(m => (DateTime?)m.CreatedAt).SingleOrDefaultAsync(ct);
            if (at is null)
                return ConversationNotFound();
            before = (at.Value, cursor);
        }
        return TypedResults.Ok(await ConversationQueries.Messages(db, conversation.Id, before, size, ct));
    }

    public static async Task<Results<Ok<MessageResponse>, ProblemHttpResult>> GetMessage(string id, string messageId, ClaimsPrincipal user,
        SoukDbContext db, CancellationToken ct)
    {
        var me = user.UserId();
        if (await Find(db, id, me, ct) is not { } conversation)
            return ConversationNotFound();
        var message = Guid.TryParse(messageId, out var mid)
            ? await db.Messages.AsNoTracking().SingleOrDefaultAsync(m => m.Id == mid && m.ConversationId == conversation.Id, ct)
            : null;
        return message is null
            ? Problems.NotFound(ConversationCodes.MessageNotFound, "This conversation has no message with this id (yet).")
            : TypedResults.Ok(MessageResponse.From(message));
    }

    static async Task<Conversation?> Find(SoukDbContext db, string id, Guid viewer, CancellationToken ct) =>
        Guid.TryParse(id, out var conversationId) ? await db.FindForParticipant(conversationId, viewer, ct) : null;

    static ILogger Logger(ILoggerFactory logs) => logs.CreateLogger(typeof(ConversationEndpoints));

    static ProblemHttpResult ConversationNotFound() =>
        Problems.NotFound(ConversationCodes.ConversationNotFound, "The conversation does not exist.");

    static string ConversationLocation(Guid id) => $"{ApiExtensions.BasePath}/conversations/{id}";

    static string MessageLocation(Guid conversationId, Guid messageId) => $"{ApiExtensions.BasePath}/conversations/{conversationId}/messages/{messageId}";

    sealed record Outcome<T>(T? Answer, bool Pending, ProblemHttpResult? Problem) where T : class;

    /// <summary>Sends the command through the <see cref="CommandGateway"/>, waiting at most <see cref="MessagingOptions.ResponseTimeout"/>.</summary>
    static async Task<Outcome<T>> Ask<TCommand, T>(CommandGateway gateway, TCommand command, MessagingOptions options, CancellationToken ct)
        where TCommand : class where T : class
    {
        var outcome = await gateway.Send<TCommand, T, MessageRejected>(command, options.ResponseTimeout, ct);
        return outcome.Answer switch
        {
            T answer => new(answer, false, null),
            MessageRejected rejected => new(null, false, Problems.Create(rejected.HttpStatus, rejected.Code, rejected.Detail)),
            // Pending: the command is queued durably; the worker applies it when it can.
            _ when outcome.Result == CommandResult.Pending => new(null, true, null),
            _ => new(null, false, outcome.Problem(ConversationCodes.MessageProcessingFailed,
                "The message could not be processed right now; nothing was stored. Try again later."))
        };
    }
}

/// <summary>The `code` of the conversation routes' problems.</summary>
public static class ConversationCodes
{
    public const string ConversationNotFound = "conversation_not_found";
    public const string MessageNotFound = "message_not_found";
    public const string UserNotFound = "user_not_found";
    public const string CannotMessageYourself = "cannot_message_yourself";
    public const string OtherUserNotSeller = "other_user_not_seller";
    public const string MessageProcessingFailed = "message_processing_failed";
}
