using Microsoft.AspNetCore.Identity;
using SoukLoop.Persistence.Model;

namespace SoukLoop.Api.Features.Auth;

public enum PasswordCheck { Failed, Succeeded, SucceededRehashNeeded }

/// <summary>ASP.NET Core Identity's PBKDF2 hasher; unknown accounts cost as much as wrong passwords (no timing oracle).</summary>
public sealed class PasswordService(IPasswordHasher<User> hasher)
{
    static readonly User Nobody = new() { Email = "", PasswordHash = "", DisplayName = "" };
    readonly Lazy<string> _decoyHash = new(() => hasher.HashPassword(Nobody, Guid.NewGuid().ToString()));

    public string Hash(User user, string password) => hasher.HashPassword(user, password);

    public PasswordCheck Verify(User? user, string password)
    {
        if (user is null)
        {
            hasher.VerifyHashedPassword(Nobody, _decoyHash.Value, password);
            return PasswordCheck.Failed;
        }
        return hasher.VerifyHashedPassword(user, user.PasswordHash, password) switch
        {
            PasswordVerificationResult.Success => PasswordCheck.Succeeded,
            PasswordVerificationResult.SuccessRehashNeeded => PasswordCheck.SucceededRehashNeeded,
            _ => PasswordCheck.Failed
        };
    }
}
