namespace SoukLoop.Contracts;

/// <summary>A payment request the saga refused: a stable code and the HTTP status the API answers with.</summary>
public record PaymentRejected(Guid TransactionId, string Code, int HttpStatus, string Detail);
