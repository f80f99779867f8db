using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SoukLoop.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class RelistedProductsSellAgain : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_transactions_product",
                table: "transactions");

            migrationBuilder.CreateIndex(
                name: "ix_transactions_product",
                table: "transactions",
                column: "product_id",
                unique: true,
                filter: "status <> 'cancelled'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_transactions_product",
                table: "transactions");

            migrationBuilder.CreateIndex(
                name: "ix_transactions_product",
                table: "transactions",
                column: "product_id",
                unique: true);
        }
    }
}
