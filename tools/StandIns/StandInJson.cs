using System.Text.Encodings.Web;
using System.Text.Json;

namespace SoukLoop.StandIns;

static class StandInJson
{
    /// <summary>Plain quotes and apostrophes, as Stripe and Google write them (System.Text.Json escapes them by default).</summary>
    public static readonly JsonSerializerOptions Wire = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
