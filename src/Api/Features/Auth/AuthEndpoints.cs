using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using SoukLoop.Api.Features.Users;
using SoukLoop.Api.Infrastructure;
using SoukLoop.Persistence;
using SoukLoop.Persistence.Model;
using SoukLoop.ServiceDefaults;

namespace SoukLoop.Api.Features.Auth;

public static class AuthEndpoints
{
    public static IEndpointRouteBuilder MapAuth(this IEndpointRouteBuilder api)
    {
        var auth = api.MapGroup("/auth").WithTags("Auth").AllowAnonymous();
        auth.MapPost("/register", Register).WithName("Register").WithSummary("Create an account and sign in.");
        auth.MapPost("/login", Login).WithName("Login").WithSummary("Sign in with email and password.");
        return api;
    }

    public static async Task<Results<Created<AuthResponse>, ValidationProblem, ProblemHttpResult>> Register(
        RegisterRequest request, SoukDbContext db, PasswordService passwords, TokenService tokens, TimeProvider time,
        CancellationToken ct)
    {
        var errors = request.Validate(out var email, out var displayName);
        if (!errors.IsValid)
            return Problems.Validation(errors.ToDictionary());
        if (await db.Users.AnyAsync(u => u.Email == email, ct))
            return EmailTaken();

        var user = new User
        {
            Id = Guid.CreateVersion7(),
            Email = email,
            DisplayName = displayName,
            PasswordHash = "",
            Role = Roles.User,
            CreatedAt = time.UtcNow()
        };
        user.PasswordHash = passwords.Hash(user, request.Password!);
        db.Users.Add(user);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            return EmailTaken(); // lost a race with another registration of the same address
        }
        return TypedResults.Created("/api/v1/users/me", Issue(user, tokens));
    }

    public static async Task<Results<Ok<AuthResponse>, ValidationProblem, ProblemHttpResult>> Login(
        LoginRequest request, SoukDbContext db, PasswordService passwords, TokenService tokens, CancellationToken ct)
    {
        var errors = request.Validate(out var email);
        if (!errors.IsValid)
            return Problems.Validation(errors.ToDictionary());

        var user = await db.Users.SingleOrDefaultAsync(u => u.Email == email, ct);
        var check = passwords.Verify(user, request.Password!);
        if (user is null || check == PasswordCheck.Failed)
            return Problems.Unauthorized(ProblemCodes.InvalidCredentials, "The email or password is wrong.");
        if (check == PasswordCheck.SucceededRehashNeeded)
        {
            user.PasswordHash = passwords.Hash(user, request.Password!);
            await db.SaveChangesAsync(ct);
        }
        return TypedResults.Ok(Issue(user, tokens));
    }

    static AuthResponse Issue(User user, TokenService tokens) =>
        new(UserResponse.From(user), tokens.Issue(user.Id, user.Role), "Bearer", (int)tokens.Lifetime.TotalSeconds);

    static ProblemHttpResult EmailTaken() =>
        Problems.Conflict(ProblemCodes.EmailTaken, "An account with this email already exists.");
}
