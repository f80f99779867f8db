namespace SoukLoop.Workers.Payments;

/// <summary>Amounts in Stripe's smallest currency unit: cents for USD, whole units for zero-decimal currencies such as JPY.</summary>
public static class Money
{
    static readonly HashSet<string> ZeroDecimal = new(StringComparer.OrdinalIgnoreCase)
    {
        "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"
    };

    public static long ToMinorUnits(decimal amount, string currency) =>
        (long)Math.Round(ZeroDecimal.Contains(currency) ? amount : amount * 100m, 0, MidpointRounding.AwayFromZero);

    public static string StripeCurrency(string currency) => currency.ToLowerInvariant();
}
