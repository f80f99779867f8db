using Microsoft.AspNetCore.Http.HttpResults;

namespace SoukLoop.Api.Infrastructure;

/// <summary>Typed problem+json results carrying a stable `code`.</summary>
public static class Problems
{
    public static ProblemHttpResult Create(int status, string code, string detail, string? title = null) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title,
            extensions: new Dictionary<string, object?> { [ProblemConventions.CodeKey] = code });

    public static ProblemHttpResult BadRequest(string code, string detail) => Create(StatusCodes.Status400BadRequest, code, detail);
    public static ProblemHttpResult Unauthorized(string code, string detail) => Create(StatusCodes.Status401Unauthorized, code, detail);
    public static ProblemHttpResult Forbidden(string code, string detail) => Create(StatusCodes.Status403Forbidden, code, detail);
    public static ProblemHttpResult NotFound(string code, string detail) => Create(StatusCodes.Status404NotFound, code, detail);
    public static ProblemHttpResult Conflict(string code, string detail) => Create(StatusCodes.Status409Conflict, code, detail);
    public static ProblemHttpResult Unprocessable(string code, string detail) => Create(StatusCodes.Status422UnprocessableEntity, code, detail);

    public static ValidationProblem Validation(IDictionary<string, string[]> errors, string? detail = null) =>
        TypedResults.ValidationProblem(errors,
            detail: detail ?? "One or more fields are invalid.",
            title: "Validation failed",
            extensions: new Dictionary<string, object?> { [ProblemConventions.CodeKey] = ProblemCodes.ValidationFailed });
}
