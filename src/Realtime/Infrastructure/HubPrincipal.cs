using System.Security.Claims;
using System.Security.Principal;
using Microsoft.IdentityModel.JsonWebTokens;

namespace SoukLoop.Realtime.Infrastructure;

/// <summary>
/// The user of a hub connection, as lean as a principal gets: it keeps the token's subject (the user id) and nothing
/// else, and builds its one claim and its identity ("Bearer", named by the subject) when asked. A principal built the
/// usual way keeps an identity, a claim and three lists for every connection as long as the WebSocket lives (~0.3 KB).
/// Read-only: identities cannot be added.
/// </summary>
public sealed class HubPrincipal(string subject) : ClaimsPrincipal
{
    const string AuthenticationType = "Bearer";

    public string Subject { get; } = subject;

    public override IIdentity? Identity => NewIdentity();

    public override IEnumerable<ClaimsIdentity> Identities => [NewIdentity()];

    public override IEnumerable<Claim> Claims => [SubjectClaim()];

    public override Claim? FindFirst(string type) => type == JwtRegisteredClaimNames.Sub ? SubjectClaim() : null;

    public override Claim? FindFirst(Predicate<Claim> match) => SubjectClaim() is var claim && match(claim) ? claim : null;

    public override IEnumerable<Claim> FindAll(string type) => FindFirst(type) is { } claim ? [claim] : [];

    public override IEnumerable<Claim> FindAll(Predicate<Claim> match) => FindFirst(match) is { } claim ? [claim] : [];

    public override bool HasClaim(string type, string value) => type == JwtRegisteredClaimNames.Sub && value == Subject;

    public override bool HasClaim(Predicate<Claim> match) => FindFirst(match) is not null;

    public override bool IsInRole(string role) => false;

    public override void AddIdentity(ClaimsIdentity identity) => throw new NotSupportedException("A hub connection's principal is read-only.");

    public override void AddIdentities(IEnumerable<ClaimsIdentity> identities) => throw new NotSupportedException("A hub connection's principal is read-only.");

    Claim SubjectClaim() => new(JwtRegisteredClaimNames.Sub, Subject);

    ClaimsIdentity NewIdentity() => new([SubjectClaim()], AuthenticationType, JwtRegisteredClaimNames.Sub, "role");
}
