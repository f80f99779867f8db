using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SoukLoop.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class Support : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "redrive_reason",
                table: "message_faults",
                type: "character varying(500)",
                maxLength: 500,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_offer_timeline_message",
                table: "offer_timeline",
                column: "message_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_offer_timeline_message",
                table: "offer_timeline");

            migrationBuilder.DropColumn(
                name: "redrive_reason",
                table: "message_faults");
        }
    }
}
