using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SoukLoop.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class GatewayFinalFaults : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "final_at",
                table: "message_faults",
                type: "timestamp with time zone",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "final_at",
                table: "message_faults");
        }
    }
}
