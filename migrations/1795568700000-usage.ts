import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * CPU and memory of each deployment, one row per deployment and minute. The process totals of
 * the same minute sit on every row, so the share attributed to deployments can be judged
 * against what the whole process used.
 */
export class Usage1795568700000 implements MigrationInterface {
  name = 'Usage1795568700000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "usage_minutes" (
      "deployment_id" uuid NOT NULL,
      "minute" timestamptz NOT NULL,
      "cpu_seconds" double precision NOT NULL DEFAULT 0,
      "memory_bytes" bigint NOT NULL DEFAULT 0,
      "requests" bigint NOT NULL DEFAULT 0,
      "errors" bigint NOT NULL DEFAULT 0,
      "process_cpu_seconds" double precision NOT NULL DEFAULT 0,
      "process_rss_bytes" bigint NOT NULL DEFAULT 0,
      CONSTRAINT "usage_minutes_pkey" PRIMARY KEY ("deployment_id", "minute"),
      CONSTRAINT "usage_minutes_deployment_id_fkey" FOREIGN KEY ("deployment_id") REFERENCES "deployments"("id") ON DELETE CASCADE
    )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "usage_minutes"`);
  }
}
