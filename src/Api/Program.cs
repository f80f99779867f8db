using SoukLoop.Api;
using SoukLoop.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.UseDefaultUrl("http://127.0.0.1:5080");
builder.AddSoukApi();

var app = builder.Build();
app.UseSoukApi();
app.MapSoukHealth();
app.MapSoukApi();
app.Run();

public partial class Program;
