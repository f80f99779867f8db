namespace SoukLoop.Api.Features.Payments;

/// <summary>The payment routes' settings (section <c>Payments</c>, shared with the Workers' payment saga settings).</summary>
public class PaymentApiOptions
{
    public const string Section = "Payments";

    /// <summary>
    /// How long a retry-payment waits for the saga's answer before the route answers 202 (the saga calls Stripe, hence longer
    /// than the offer routes' wait).
    /// </summary>
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(20);
}
