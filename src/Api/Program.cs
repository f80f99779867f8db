using SoukLoop.Api;
using SoukLoop.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddSoukApi();

var app = builder.Build();
app.UseSoukApi();
app.MapSoukHealth();
app.MapSoukApi();
app.Run();

public partial class Program;
