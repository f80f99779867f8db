using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using SoukLoop.Api.Infrastructure;
using SoukLoop.Persistence;
using SoukLoop.ServiceDefaults;

namespace SoukLoop.Api.Features.Users;

public static class UserEndpoints
{
    public static IEndpointRouteBuilder MapUsers(this IEndpointRouteBuilder api)
    {
        var users = api.MapGroup("/users").WithTags("Users").RequireAuthorization();
        users.MapGet("/me", GetMe).WithName("GetMe").WithSummary("The signed-in user.");
        return api;
    }

    public static async Task<Results<Ok<UserResponse>, ProblemHttpResult>> GetMe(
        HttpContext http, SoukDbContext db, CancellationToken ct)
    {
        var userId = http.User.UserId();
        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == userId, ct);
        return user is null
            ? Problems.Unauthorized(ProblemCodes.Unauthorized, "The account of this access token no longer exists.")
            : TypedResults.Ok(UserResponse.From(user));
    }
}
