using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using SoukLoop.Api.Idempotency;
using SoukLoop.Api.Infrastructure;
using SoukLoop.Persistence;
using SoukLoop.Persistence.Model;
using SoukLoop.ServiceDefaults;

namespace SoukLoop.Api.Features.Products;

public static class ProductEndpoints
{
    public static IEndpointRouteBuilder MapProducts(this IEndpointRouteBuilder api)
    {
        var products = api.MapGroup("/products").WithTags("Products").RequireAuthorization();
        products.MapPost("/", Create).WithIdempotency().WithName("CreateProduct").WithSummary("List a product for sale.");
        products.MapGet("/{id}", Get).WithName("GetProduct").WithSummary("One product.");
        return api;
    }

    public static async Task<Results<Created<ProductResponse>, ValidationProblem>> Create(
        CreateProductRequest request, HttpContext http, SoukDbContext db, TimeProvider time, CancellationToken ct)
    {
        var errors = request.Validate(out var product);
        if (!errors.IsValid)
            return Problems.Validation(errors.ToDictionary());

        product.Id = Guid.CreateVersion7();
        product.SellerId = http.User.UserId();
        product.Status = ProductStatuses.Available;
        product.CreatedAt = product.UpdatedAt = time.UtcNow();
        db.Products.Add(product);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/v1/products/{product.Id}", ProductResponse.From(product));
    }

    /// <summary>Any id that is not a known product (a non-UUID included) is 404 product_not_found.</summary>
    public static async Task<Results<Ok<ProductResponse>, ProblemHttpResult>> Get(string id, SoukDbContext db, CancellationToken ct)
    {
        var product = Guid.TryParse(id, out var productId)
            ? await db.Products.AsNoTracking().SingleOrDefaultAsync(p => p.Id == productId, ct)
            : null;
        return product is null
            ? Problems.NotFound(ProblemCodes.ProductNotFound, "No product has this id.")
            : TypedResults.Ok(ProductResponse.From(product));
    }
}
