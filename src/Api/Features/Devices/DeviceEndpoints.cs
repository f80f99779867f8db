using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using SoukLoop.Api.Infrastructure;
using SoukLoop.Persistence;
using SoukLoop.ServiceDefaults;

namespace SoukLoop.Api.Features.Devices;

public record DeviceRequest(string? Token, string? Platform);

public record DeviceResponse(string Token, string Platform, DateTime UpdatedAt);

/// <summary>
/// FCM device tokens (API.md "Accounts"). A token belongs to one user: registering it again from another account moves it
/// (201, as for a new one; 200 when it was already the caller's). Only the owner can remove it.
/// </summary>
public static class DeviceEndpoints
{
    public static RouteGroupBuilder MapDevices(this RouteGroupBuilder api)
    {
        var devices = api.MapGroup("/users/me/devices").WithTags("Users").RequireAuthorization();
        devices.MapPut("/", RegisterDevice).WithName("RegisterDevice");
        devices.MapDelete("/{token}", RemoveDevice).WithName("RemoveDevice");
        return api;
    }

    public static async Task<Results<Ok<DeviceResponse>, Created<DeviceResponse>, ValidationProblem>> RegisterDevice(DeviceRequest request,
        ClaimsPrincipal user, SoukDbContext db, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var token = errors.Text("token", request.Token, 1, 4096);
        if (token != null && token.Any(char.IsWhiteSpace))
            errors.Add("token", "Must not contain whitespace.");
        if (request.Platform is not ("ios" or "android"))
            errors.Add("platform", "Must be ios or android.");
        if (!errors.IsValid)
            return Problems.Validation(errors.ToDictionary());

        var userId = user.UserId();
        var now = DateTime.UtcNow;
        // The CTE sees the row as it was before the upsert: who owned the token until now.
        var previousOwner = await db.Database.SqlQuery<Guid?>($"""
            WITH previous AS (SELECT user_id FROM device_tokens WHERE token = {token})
            INSERT INTO device_tokens (token, user_id, platform, created_at, updated_at)
            VALUES ({token}, {userId}, {request.Platform}, {now}, {now})
            ON CONFLICT (token) DO UPDATE SET user_id = EXCLUDED.user_id, platform = EXCLUDED.platform, updated_at = EXCLUDED.updated_at
            RETURNING (SELECT user_id FROM previous) AS "Value"
            """).ToListAsync(cancellationToken);

        var response = new DeviceResponse(token!, request.Platform!, now);
        return previousOwner.SingleOrDefault() == userId
            ? TypedResults.Ok(response)
            : TypedResults.Created($"/api/v1/users/me/devices/{Uri.EscapeDataString(token!)}", response);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> RemoveDevice(string token, ClaimsPrincipal user, SoukDbContext db,
        CancellationToken cancellationToken)
    {
        var userId = user.UserId();
        var removed = await db.DeviceTokens.Where(d => d.Token == token && d.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        return removed > 0
            ? TypedResults.NoContent()
            : Problems.NotFound("device_not_found", "No such device token is registered for you.");
    }
}
