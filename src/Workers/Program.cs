using SoukLoop.ServiceDefaults;
using SoukLoop.Workers;

var builder = WebApplication.CreateBuilder(args);
builder.AddSoukWorkers();

var app = builder.Build();
if (await app.RunCommandAsync(args) is { } exitCode)
    return exitCode;

app.MapSoukHealth();
await app.RunAsync();
return 0;

public partial class Program;
