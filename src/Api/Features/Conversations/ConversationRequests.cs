namespace SoukLoop.Api.Features.Conversations;

/// <summary>`POST /conversations`: the other participant, the product talked about (optional) and a first text message (optional).</summary>
public sealed record StartConversationRequest(Guid? OtherUserId, Guid? ProductId = null, string? InitialMessage = null);

/// <summary>`POST /conversations/{id}/messages`.</summary>
public sealed record SendMessageRequest(string? MessageType, string? Content = null, List<string?>? ImageUrls = null, string? ClientMessageId = null);
