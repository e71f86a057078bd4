import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Daily rollups of the hourly aggregates, in raw SQL like the monitoring migration: one row per
 * UTC day (`day`, its midnight) holding the sum of its hours, written by the log writer in the
 * same transaction as the hourly rows. Reads take a range's whole days from here and only the
 * partial days at its edges from the hourly tables. Filled from the hourly rows already there.
 */
export class DailyRollups1795574621585 implements MigrationInterface {
  name = 'DailyRollups1795574621585';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "aggregate_counts_daily" (
      "deployment_id" uuid NOT NULL,
      "role" text NOT NULL,
      "model_id" uuid NOT NULL,
      "day" timestamptz NOT NULL,
      "requests" bigint NOT NULL DEFAULT 0,
      "rows" bigint NOT NULL DEFAULT 0,
      "errors" bigint NOT NULL DEFAULT 0,
      "shed" bigint NOT NULL DEFAULT 0,
      "latency_ms_sum" double precision NOT NULL DEFAULT 0,
      CONSTRAINT "aggregate_counts_daily_pkey" PRIMARY KEY ("deployment_id", "role", "model_id", "day"),
      CONSTRAINT "aggregate_counts_daily_deployment_id_fkey" FOREIGN KEY ("deployment_id") REFERENCES "deployments"("id") ON DELETE CASCADE
    )`);
    await queryRunner.query(`CREATE INDEX "aggregate_counts_daily_deployment_id_day_idx" ON "aggregate_counts_daily" ("deployment_id", "day")`);
    await queryRunner.query(`CREATE TABLE "aggregate_bins_daily" (
      "deployment_id" uuid NOT NULL,
      "role" text NOT NULL,
      "model_id" uuid NOT NULL,
      "day" timestamptz NOT NULL,
      "series" text NOT NULL,
      "bin" integer NOT NULL,
      "count" bigint NOT NULL,
      CONSTRAINT "aggregate_bins_daily_pkey" PRIMARY KEY ("deployment_id", "role", "model_id", "day", "series", "bin"),
      CONSTRAINT "aggregate_bins_daily_deployment_id_fkey" FOREIGN KEY ("deployment_id") REFERENCES "deployments"("id") ON DELETE CASCADE
    )`);
    await queryRunner.query(`CREATE INDEX "aggregate_bins_daily_deployment_id_series_day_idx" ON "aggregate_bins_daily" ("deployment_id", "series", "day")`);
    await queryRunner.query(`CREATE TABLE "aggregate_pairs_daily" (
      "deployment_id" uuid NOT NULL,
      "day" timestamptz NOT NULL,
      "pairs" bigint NOT NULL DEFAULT 0,
      "agreements" bigint NOT NULL DEFAULT 0,
      "sum_abs_diff" double precision NOT NULL DEFAULT 0,
      "sum_x" double precision NOT NULL DEFAULT 0,
      "sum_y" double precision NOT NULL DEFAULT 0,
      "sum_xy" double precision NOT NULL DEFAULT 0,
      "sum_xx" double precision NOT NULL DEFAULT 0,
      "sum_yy" double precision NOT NULL DEFAULT 0,
      CONSTRAINT "aggregate_pairs_daily_pkey" PRIMARY KEY ("deployment_id", "day"),
      CONSTRAINT "aggregate_pairs_daily_deployment_id_fkey" FOREIGN KEY ("deployment_id") REFERENCES "deployments"("id") ON DELETE CASCADE
    )`);

    await queryRunner.query(`INSERT INTO "aggregate_counts_daily" ("deployment_id", "role", "model_id", "day", "requests", "rows", "errors", "shed", "latency_ms_sum")
      SELECT "deployment_id", "role", "model_id", date_trunc('day', "hour", 'UTC'), sum("requests"), sum("rows"), sum("errors"), sum("shed"), sum("latency_ms_sum")
        FROM "aggregate_counts" GROUP BY 1, 2, 3, 4`);
    await queryRunner.query(`INSERT INTO "aggregate_bins_daily" ("deployment_id", "role", "model_id", "day", "series", "bin", "count")
      SELECT "deployment_id", "role", "model_id", date_trunc('day', "hour", 'UTC'), "series", "bin", sum("count")
        FROM "aggregate_bins" GROUP BY 1, 2, 3, 4, 5, 6`);
    await queryRunner.query(`INSERT INTO "aggregate_pairs_daily" ("deployment_id", "day", "pairs", "agreements", "sum_abs_diff", "sum_x", "sum_y", "sum_xy", "sum_xx", "sum_yy")
      SELECT "deployment_id", date_trunc('day', "hour", 'UTC'), sum("pairs"), sum("agreements"), sum("sum_abs_diff"), sum("sum_x"), sum("sum_y"), sum("sum_xy"), sum("sum_xx"), sum("sum_yy")
        FROM "aggregate_pairs" GROUP BY 1, 2`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "aggregate_pairs_daily"`);
    await queryRunner.query(`DROP TABLE "aggregate_bins_daily"`);
    await queryRunner.query(`DROP TABLE "aggregate_counts_daily"`);
  }
}
