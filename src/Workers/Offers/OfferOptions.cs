namespace SoukLoop.Workers.Offers;

public class OfferOptions
{
    public const string Section = "Offers";

    /// <summary>How long an offer stays open after its last move (API.md: <c>Offers:ExpiresAfter</c>, default 24 h).</summary>
    public TimeSpan ExpiresAfter { get; set; } = TimeSpan.FromDays(1);
}
