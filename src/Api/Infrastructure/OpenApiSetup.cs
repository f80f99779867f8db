using Microsoft.AspNetCore.Authorization;
using Microsoft.OpenApi;
using Scalar.AspNetCore;
using SoukLoop.Api.Idempotency;

namespace SoukLoop.Api.Infrastructure;

/// <summary>The OpenAPI document (/openapi/v1.json) and the Scalar UI (/scalar/v1), in Development only.</summary>
public static class OpenApiSetup
{
    const string Bearer = "Bearer";

    public static IServiceCollection AddSoukOpenApi(this IServiceCollection services)
    {
        services.AddOpenApi(o =>
        {
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "Souk Loop API";
                document.Info.Version = "v1";
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[Bearer] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    BearerFormat = "JWT",
                    Description = "The access_token from /auth/register or /auth/login."
                };
                return Task.CompletedTask;
            });
            o.AddOperationTransformer((operation, context, _) =>
            {
                var metadata = context.Description.ActionDescriptor.EndpointMetadata;
                if (metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any())
                {
                    operation.Security ??= [];
                    operation.Security.Add(new OpenApiSecurityRequirement
                    {
                        [new OpenApiSecuritySchemeReference(Bearer, context.Document)] = []
                    });
                }
                if (metadata.OfType<IdempotentEndpointMetadata>().Any())
                {
                    operation.Parameters ??= [];
                    operation.Parameters.Add(new OpenApiParameter
                    {
                        Name = IdempotencyOptions.HeaderName,
                        In = ParameterLocation.Header,
                        Required = false,
                        Description = "Same key from the same user within 24 h returns the first answer and does the work once.",
                        Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = IdempotencyOptions.MaxKeyLength }
                    });
                }
                return Task.CompletedTask;
            });
        });
        return services;
    }

    public static WebApplication MapSoukOpenApi(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment())
            return app;
        app.MapOpenApi();
        app.MapScalarApiReference();
        return app;
    }
}
