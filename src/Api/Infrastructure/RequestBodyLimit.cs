using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;

namespace SoukLoop.Api.Infrastructure;

/// <summary>
/// Enforces <see cref="ApiOptions.MaxRequestBodyBytes"/> (or an endpoint's <see cref="IRequestSizeLimitMetadata"/>) on every
/// server: a declared Content-Length over the limit is refused before anything is read, and a chunked body is cut off
/// as soon as it passes the limit. Either way the exception handler answers 413 payload_too_large.
/// </summary>
public sealed class RequestBodyLimitMiddleware(RequestDelegate next, IOptions<ApiOptions> options)
{
    public Task InvokeAsync(HttpContext http)
    {
        var limit = http.GetEndpoint()?.Metadata.GetMetadata<IRequestSizeLimitMetadata>() is { } metadata
            ? metadata.MaxRequestBodySize
            : options.Value.MaxRequestBodyBytes;
        if (limit is not { } max)
            return next(http);

        if (http.Request.ContentLength > max)
            throw TooLarge(max);

        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
            feature.MaxRequestBodySize = max;
        if (http.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody != false)
            http.Request.Body = new LimitedRequestStream(http.Request.Body, max);
        return next(http);
    }

    internal static BadHttpRequestException TooLarge(long max) =>
        new($"The request body is larger than the limit of {max} bytes.", StatusCodes.Status413PayloadTooLarge);

    sealed class LimitedRequestStream(Stream inner, long max) : Stream
    {
        long _read;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override int Read(Span<byte> buffer) => Count(inner.Read(buffer));

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Count(await inner.ReadAsync(buffer.AsMemory(offset, count), cancellationToken));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        int Count(int read)
        {
            _read += read;
            if (_read > max)
                throw TooLarge(max);
            return read;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
