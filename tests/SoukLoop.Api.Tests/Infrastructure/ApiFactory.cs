using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace SoukLoop.Api.Tests.Infrastructure;

/// <summary>The real Api (Program) in memory, wired to the test services.</summary>
public sealed class ApiFactory(IReadOnlyDictionary<string, string?> settings, string environment = "Testing")
    : WebApplicationFactory<Program>
{
    /// <summary>A probe that asks the JWT handler to forbid, as an authorization policy does (no endpoint answers 403 yet).</summary>
    public const string ForbidProbePath = "/__tests/forbid";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(environment);
        foreach (var (key, value) in settings)
            builder.UseSetting(key, value);
        builder.ConfigureServices(s => s.AddTransient<IStartupFilter, ForbidProbe>());
    }

    sealed class ForbidProbe : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Map(ForbidProbePath, probe => probe.Run(context => context.ForbidAsync()));
            next(app);
        };
    }
}
