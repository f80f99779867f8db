namespace SoukLoop.Api.Infrastructure;

public class ApiOptions
{
    public const string Section = "Api";

    /// <summary>Largest request body the Api reads (JSON only); larger bodies get 413 payload_too_large.</summary>
    public long MaxRequestBodyBytes { get; set; } = 64 * 1024;
}
