import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The prediction log and its aggregates, in raw SQL: the log is a table partitioned by day
 * (retention drops whole partitions); the aggregates are what every chart reads, updated in
 * the same transaction as the rows they summarise.
 */
export class Monitoring1795568600000 implements MigrationInterface {
  name = 'Monitoring1795568600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "predictions" (
      "deployment_id" uuid NOT NULL,
      "deployment_version" integer NOT NULL,
      "model_id" uuid NOT NULL,
      "role" text NOT NULL CHECK ("role" IN ('main', 'challenger')),
      "request_id" uuid NOT NULL,
      "row_index" integer NOT NULL,
      "input" jsonb NOT NULL,
      "output" jsonb,
      "error" text,
      "latency_ms" real NOT NULL,
      "source" text NOT NULL CHECK ("source" IN ('api', 'form', 'pipeline')),
      "created_at" timestamptz NOT NULL
    ) PARTITION BY RANGE ("created_at")`);
    await queryRunner.query(`CREATE INDEX "predictions_deployment_id_created_at_idx" ON "predictions" ("deployment_id", "created_at")`);
    await queryRunner.query(`CREATE INDEX "predictions_request_id_idx" ON "predictions" ("request_id", "row_index")`);

    await queryRunner.query(`CREATE TABLE "aggregate_counts" (
      "deployment_id" uuid NOT NULL,
      "role" text NOT NULL,
      "model_id" uuid NOT NULL,
      "hour" timestamptz NOT NULL,
      "requests" bigint NOT NULL DEFAULT 0,
      "rows" bigint NOT NULL DEFAULT 0,
      "errors" bigint NOT NULL DEFAULT 0,
      "shed" bigint NOT NULL DEFAULT 0,
      "latency_ms_sum" double precision NOT NULL DEFAULT 0,
      CONSTRAINT "aggregate_counts_pkey" PRIMARY KEY ("deployment_id", "role", "model_id", "hour"),
      CONSTRAINT "aggregate_counts_deployment_id_fkey" FOREIGN KEY ("deployment_id") REFERENCES "deployments"("id") ON DELETE CASCADE
    )`);
    // Charts read a deployment over a time range, whatever the role: the range must narrow the scan.
    await queryRunner.query(`CREATE INDEX "aggregate_counts_deployment_id_hour_idx" ON "aggregate_counts" ("deployment_id", "hour")`);
    // hour before series in the key: a time range narrows the scan of a model's histograms.
    await queryRunner.query(`CREATE TABLE "aggregate_bins" (
      "deployment_id" uuid NOT NULL,
      "role" text NOT NULL,
      "model_id" uuid NOT NULL,
      "hour" timestamptz NOT NULL,
      "series" text NOT NULL,
      "bin" integer NOT NULL,
      "count" bigint NOT NULL,
      CONSTRAINT "aggregate_bins_pkey" PRIMARY KEY ("deployment_id", "role", "model_id", "hour", "series", "bin"),
      CONSTRAINT "aggregate_bins_deployment_id_fkey" FOREIGN KEY ("deployment_id") REFERENCES "deployments"("id") ON DELETE CASCADE
    )`);
    // The latency charts read one series of every role over a range.
    await queryRunner.query(`CREATE INDEX "aggregate_bins_deployment_id_series_hour_idx" ON "aggregate_bins" ("deployment_id", "series", "hour")`);
    await queryRunner.query(`CREATE TABLE "aggregate_pairs" (
      "deployment_id" uuid NOT NULL,
      "hour" timestamptz NOT NULL,
      "pairs" bigint NOT NULL DEFAULT 0,
      "agreements" bigint NOT NULL DEFAULT 0,
      "sum_abs_diff" double precision NOT NULL DEFAULT 0,
      "sum_x" double precision NOT NULL DEFAULT 0,
      "sum_y" double precision NOT NULL DEFAULT 0,
      "sum_xy" double precision NOT NULL DEFAULT 0,
      "sum_xx" double precision NOT NULL DEFAULT 0,
      "sum_yy" double precision NOT NULL DEFAULT 0,
      CONSTRAINT "aggregate_pairs_pkey" PRIMARY KEY ("deployment_id", "hour"),
      CONSTRAINT "aggregate_pairs_deployment_id_fkey" FOREIGN KEY ("deployment_id") REFERENCES "deployments"("id") ON DELETE CASCADE
    )`);
    // Ground truth, sent after the fact: it outlives the raw log's retention only as far as
    // the rows it joins to do.
    await queryRunner.query(`CREATE TABLE "prediction_feedback" (
      "deployment_id" uuid NOT NULL,
      "request_id" uuid NOT NULL,
      "row_index" integer NOT NULL,
      "actual" jsonb NOT NULL,
      "received_at" timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT "prediction_feedback_pkey" PRIMARY KEY ("request_id", "row_index"),
      CONSTRAINT "prediction_feedback_deployment_id_fkey" FOREIGN KEY ("deployment_id") REFERENCES "deployments"("id") ON DELETE CASCADE
    )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "prediction_feedback"`);
    await queryRunner.query(`DROP TABLE "aggregate_pairs"`);
    await queryRunner.query(`DROP TABLE "aggregate_bins"`);
    await queryRunner.query(`DROP TABLE "aggregate_counts"`);
    await queryRunner.query(`DROP TABLE "predictions"`);
  }
}
