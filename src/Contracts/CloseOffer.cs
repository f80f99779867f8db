namespace SoukLoop.Contracts;

/// <summary>The system closes an open offer because its product was sold through another offer.</summary>
public record CloseOffer(Guid OfferId, Guid AcceptedOfferId);
