using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace SoukLoop.Persistence;

/// <summary>Lets `dotnet ef migrations add` build the model without a running app.</summary>
public class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<SoukDbContext>
{
    public SoukDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<SoukDbContext>();
        PersistenceExtensions.Configure(options, "Host=127.0.0.1;Database=design");
        return new SoukDbContext(options.Options);
    }
}
