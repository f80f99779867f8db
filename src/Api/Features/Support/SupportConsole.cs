namespace SoukLoop.Api.Features.Support;

/// <summary>The support console: static files under wwwroot/support/, served at <c>/support/</c> (no CDN, works offline).</summary>
public static class SupportConsole
{
    public static WebApplication UseSupportConsole(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            if (context.Request.Path.Value == "/support")
            {
                context.Response.Redirect("/support/");
                return Task.CompletedTask;
            }
            return next(context);
        });
        app.UseDefaultFiles();
        app.UseStaticFiles();
        return app;
    }
}
