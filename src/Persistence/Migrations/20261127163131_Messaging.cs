using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SoukLoop.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class Messaging : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "ix_messages_conversation_unread",
                table: "messages",
                columns: new[] { "conversation_id", "sender_id" },
                filter: "NOT is_read");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_messages_conversation_unread",
                table: "messages");
        }
    }
}
