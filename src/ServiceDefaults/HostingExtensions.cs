using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace SoukLoop.ServiceDefaults;

public static class HostingExtensions
{
    /// <summary>
    /// Listens on the app's documented default address unless one is configured (ASPNETCORE_URLS, --urls or Urls).
    /// </summary>
    public static WebApplicationBuilder UseDefaultUrl(this WebApplicationBuilder builder, string url)
    {
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["http_ports"]))
            builder.WebHost.UseUrls(url);
        return builder;
    }
}
