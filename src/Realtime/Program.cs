using SoukLoop.Realtime;
using SoukLoop.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.UseDefaultUrl("http://127.0.0.1:5081");
builder.AddSoukRealtime();

var app = builder.Build();
app.UseSoukRealtime();
app.MapSoukHealth();
app.MapSoukRealtime();
app.Run();

public partial class Program;
