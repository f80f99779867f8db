using SoukLoop.Persistence.Model;
using SoukLoop.Workers.Offers;

namespace SoukLoop.UnitTests;

/// <summary>Souk Loop's cut of a sale: 15 % on Discover, 5 % on Community, rounded half up (away from zero) to the cent.</summary>
public class When_splitting_the_platform_fee
{
    [Theory]
    [InlineData("100", Feeds.Community, "5.00", "95.00")]
    [InlineData("100", Feeds.Discover, "15.00", "85.00")]
    [InlineData("0.10", Feeds.Community, "0.01", "0.09")]   // 0.005 rounds up
    [InlineData("33.33", Feeds.Discover, "5.00", "28.33")]  // 4.9995
    [InlineData("10.10", Feeds.Community, "0.51", "9.59")]  // 0.505: half up, not to even
    [InlineData("10.30", Feeds.Community, "0.52", "9.78")]  // 0.515
    [InlineData("12.50", Feeds.Discover, "1.88", "10.62")]  // 1.875
    [InlineData("0.03", Feeds.Discover, "0.00", "0.03")]    // 0.0045 rounds down
    [InlineData("0.04", Feeds.Discover, "0.01", "0.03")]    // 0.006
    [InlineData("0.01", Feeds.Community, "0.00", "0.01")]
    [InlineData("9999999999.99", Feeds.Discover, "1500000000.00", "8499999999.99")]
    public void Should_take_the_feeds_rate_rounded_half_up_to_the_cent(string amount, string feed, string fee, string payout)
    {
        var (actualFee, actualPayout) = PlatformFee.Split(decimal.Parse(amount), feed);

        Assert.Equal(decimal.Parse(fee), actualFee);
        Assert.Equal(decimal.Parse(payout), actualPayout);
    }

    [Theory]
    [InlineData("0.01")]
    [InlineData("0.10")]
    [InlineData("19.99")]
    [InlineData("33.33")]
    [InlineData("1234.57")]
    public void Should_pay_the_seller_exactly_what_the_fee_leaves(string amount)
    {
        foreach (var feed in new[] { Feeds.Community, Feeds.Discover })
        {
            var (fee, payout) = PlatformFee.Split(decimal.Parse(amount), feed);

            Assert.Equal(decimal.Parse(amount), fee + payout);
            Assert.Equal(fee, decimal.Round(fee, 2));
            Assert.True(fee >= 0 && payout >= 0);
        }
    }

    [Fact]
    public void Should_charge_fifteen_percent_on_discover_and_five_on_community()
    {
        Assert.Equal(0.15m, PlatformFee.RateFor(Feeds.Discover));
        Assert.Equal(0.05m, PlatformFee.RateFor(Feeds.Community));
    }
}
