using SoukLoop.Persistence.Model;

namespace SoukLoop.Workers.Offers;

/// <summary>Souk Loop's cut: 15 % on Discover (professional sellers), 5 % on Community, rounded half up to the cent.</summary>
public static class PlatformFee
{
    public static decimal RateFor(string feed) => feed == Feeds.Discover ? 0.15m : 0.05m;

    public static (decimal Fee, decimal Payout) Split(decimal amount, string feed)
    {
        var fee = Math.Round(amount * RateFor(feed), 2, MidpointRounding.AwayFromZero);
        return (fee, amount - fee);
    }
}
