namespace SoukLoop.Persistence.Model;

public class DeviceToken
{
    public required string Token { get; set; }
    public Guid UserId { get; set; }
    public required string Platform { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}
