using Microsoft.EntityFrameworkCore;
using SoukLoop.Persistence;

namespace SoukLoop.Api.Features.Users;

/// <summary>Another user as the app shows them (a conversation's or an offer's `other_user`): `{id, display_name, avatar_url}`.</summary>
public sealed record PublicUser(Guid Id, string DisplayName, string? AvatarUrl)
{
    /// <summary>The public profiles of these users, in one query.</summary>
    public static IQueryable<PublicUser> Query(SoukDbContext db, Guid[] ids) =>
        db.Users.AsNoTracking().Where(u => ids.Contains(u.Id)).Select(u => new PublicUser(u.Id, u.DisplayName, u.AvatarUrl));
}
