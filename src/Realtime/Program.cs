using SoukLoop.Realtime;
using SoukLoop.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddSoukRealtime();

var app = builder.Build();
app.UseAuthentication();
app.UseAuthorization();
app.MapSoukHealth();
app.MapSoukRealtime();
app.Run();

public partial class Program;
