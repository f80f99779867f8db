using SoukLoop.Realtime;
using SoukLoop.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddSoukRealtime();

var app = builder.Build();
app.UseSoukRealtime();
app.MapSoukHealth();
app.MapSoukRealtime();
app.Run();

public partial class Program;
