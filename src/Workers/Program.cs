using SoukLoop.ServiceDefaults;
using SoukLoop.Workers;

// A verb (`migrate`, `create-support-user <email> <password> <name>`) is no configuration: keep its arguments
// (a password may contain '=' or start with '/') away from the command-line configuration provider.
var isCommand = args.Length > 0 && !args[0].StartsWith('-');
var builder = WebApplication.CreateBuilder(isCommand ? [] : args);
builder.UseDefaultUrl("http://127.0.0.1:5082");
builder.AddSoukWorkers();

var app = builder.Build();
if (await app.RunCommandAsync(args) is { } exitCode)
    return exitCode;

app.MapSoukHealth();
app.MapSoukMetrics();
await app.RunAsync();
return 0;

public partial class Program;
