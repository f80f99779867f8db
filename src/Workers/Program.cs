using SoukLoop.ServiceDefaults;
using SoukLoop.Workers;

var builder = WebApplication.CreateBuilder(args);
builder.UseDefaultUrl("http://127.0.0.1:5082");
builder.AddSoukWorkers();

var app = builder.Build();
if (await app.RunCommandAsync(args) is { } exitCode)
    return exitCode;

app.MapSoukHealth();
await app.RunAsync();
return 0;

public partial class Program;
