using Microsoft.EntityFrameworkCore;
using SoukLoop.Api.Infrastructure;
using SoukLoop.Persistence;
using SoukLoop.Persistence.Model;

namespace SoukLoop.Api.Idempotency;

public enum ClaimOutcome
{
    /// <summary>This request owns the key: run it.</summary>
    Claimed,
    /// <summary>The key has a finished answer for the same request: replay it.</summary>
    Replay,
    /// <summary>The key was used for a different request.</summary>
    Mismatch,
    /// <summary>The same request is being run right now by another call.</summary>
    InProgress
}

public sealed record Claim(ClaimOutcome Outcome, IdempotencyRecord? Record = null);

/// <summary>
/// The rows of idempotency_records. A claimed key is a row with status_code 0 ("in progress"), inserted and committed
/// before the request runs, so concurrent duplicates see it; the finished answer replaces it.
/// </summary>
public sealed class IdempotencyStore(SoukDbContext db, TimeProvider time, IdempotencyOptions options)
{
    const int InProgress = 0;

    public async Task<Claim> ClaimAsync(Guid userId, string key, string requestHash, CancellationToken ct)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var now = time.UtcNow();
            var inserted = await db.Database.ExecuteSqlAsync(
                $"""
                INSERT INTO idempotency_records (user_id, key, request_hash, status_code, created_at)
                VALUES ({userId}, {key}, {requestHash}, {InProgress}, {now})
                ON CONFLICT (user_id, key) DO NOTHING
                """, ct);
            if (inserted == 1)
                return new(ClaimOutcome.Claimed);

            var existing = await Records(userId, key).AsNoTracking().SingleOrDefaultAsync(ct);
            if (existing is null)
                continue; // released meanwhile: try again

            if (existing.CreatedAt < now - options.Retention)
            {
                // Expired: forget it (only if nobody else did first) and claim the key afresh.
                await Records(userId, key).Where(r => r.CreatedAt == existing.CreatedAt).ExecuteDeleteAsync(ct);
                continue;
            }
            if (!string.Equals(existing.RequestHash, requestHash, StringComparison.Ordinal))
                return new(ClaimOutcome.Mismatch, existing);
            if (existing.StatusCode != InProgress)
                return new(ClaimOutcome.Replay, existing);
            if (existing.CreatedAt < now - options.InProgressTimeout)
            {
                // The request that claimed the key died (its work was rolled back with it): take over.
                var taken = await Records(userId, key)
                    .Where(r => r.StatusCode == InProgress && r.CreatedAt == existing.CreatedAt)
                    .ExecuteUpdateAsync(s => s.SetProperty(r => r.CreatedAt, now), ct);
                if (taken == 1)
                    return new(ClaimOutcome.Claimed);
            }
            return new(ClaimOutcome.InProgress, existing);
        }
        return new(ClaimOutcome.InProgress);
    }

    /// <summary>Stores the answer to replay; runs in the caller's transaction when there is one.</summary>
    public Task CompleteAsync(Guid userId, string key, int statusCode, string? body, string? location) =>
        Records(userId, key).Where(r => r.StatusCode == InProgress).ExecuteUpdateAsync(s => s
            .SetProperty(r => r.StatusCode, statusCode)
            .SetProperty(r => r.ResponseBody, body)
            .SetProperty(r => r.Location, location), CancellationToken.None);

    /// <summary>Gives the key back (the request failed and changed nothing), so a retry runs it again.</summary>
    public Task ReleaseAsync(Guid userId, string key) =>
        Records(userId, key).Where(r => r.StatusCode == InProgress).ExecuteDeleteAsync(CancellationToken.None);

    public static Task<int> PurgeAsync(SoukDbContext db, DateTime olderThan, CancellationToken ct) =>
        db.IdempotencyRecords.Where(r => r.CreatedAt < olderThan).ExecuteDeleteAsync(ct);

    IQueryable<IdempotencyRecord> Records(Guid userId, string key) =>
        db.IdempotencyRecords.Where(r => r.UserId == userId && r.Key == key);
}
