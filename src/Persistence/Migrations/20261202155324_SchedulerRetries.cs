using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SoukLoop.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class SchedulerRetries : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_scheduled_messages_due",
                table: "scheduled_messages");

            migrationBuilder.AddColumn<int>(
                name: "attempts",
                table: "scheduled_messages",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<DateTime>(
                name: "failed_at",
                table: "scheduled_messages",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "last_error",
                table: "scheduled_messages",
                type: "character varying(2000)",
                maxLength: 2000,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "next_attempt_at",
                table: "scheduled_messages",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_scheduled_messages_cancelled",
                table: "scheduled_messages",
                column: "cancelled_at",
                filter: "cancelled_at IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_scheduled_messages_due",
                table: "scheduled_messages",
                column: "due_at",
                filter: "cancelled_at IS NULL AND fired_at IS NULL AND failed_at IS NULL");

            migrationBuilder.CreateIndex(
                name: "ix_scheduled_messages_fired",
                table: "scheduled_messages",
                column: "fired_at",
                filter: "fired_at IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_inbox_states_received",
                table: "inbox_states",
                column: "received");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_scheduled_messages_cancelled",
                table: "scheduled_messages");

            migrationBuilder.DropIndex(
                name: "ix_scheduled_messages_due",
                table: "scheduled_messages");

            migrationBuilder.DropIndex(
                name: "ix_scheduled_messages_fired",
                table: "scheduled_messages");

            migrationBuilder.DropIndex(
                name: "ix_inbox_states_received",
                table: "inbox_states");

            migrationBuilder.DropColumn(
                name: "attempts",
                table: "scheduled_messages");

            migrationBuilder.DropColumn(
                name: "failed_at",
                table: "scheduled_messages");

            migrationBuilder.DropColumn(
                name: "last_error",
                table: "scheduled_messages");

            migrationBuilder.DropColumn(
                name: "next_attempt_at",
                table: "scheduled_messages");

            migrationBuilder.CreateIndex(
                name: "ix_scheduled_messages_due",
                table: "scheduled_messages",
                column: "due_at",
                filter: "cancelled_at IS NULL AND fired_at IS NULL");
        }
    }
}
