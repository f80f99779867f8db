using Microsoft.AspNetCore.SignalR;
using Microsoft.IdentityModel.JsonWebTokens;

namespace SoukLoop.Realtime.Infrastructure;

/// <summary>
/// A connection's SignalR user id is its token's subject, the user's id (<c>Clients.User(userId)</c> reaches every
/// device of that user). Returns the claim's own string, so a connection keeps no second copy of it.
/// </summary>
public sealed class SubjectUserIdProvider : IUserIdProvider
{
    public string? GetUserId(HubConnectionContext connection) =>
        connection.User?.FindFirst(JwtRegisteredClaimNames.Sub)?.Value;
}
