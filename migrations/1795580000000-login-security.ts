import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Login throttling and forced password changes.
 *
 * `login_throttles` keeps one row per throttled key (`account:<email>`, `address:<ip>`), in the
 * database rather than in memory so every replica counts the same attempts. Rows of keys with no
 * attempt for a while are deleted by the hourly session clean-up.
 * `users.must_change_password` is set by an admin's password reset.
 */
export class LoginSecurity1795580000000 implements MigrationInterface {
  name = 'LoginSecurity1795580000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "login_throttles" (
      "key" text NOT NULL,
      "failures" integer NOT NULL DEFAULT 0,
      "last_attempt_at" timestamptz NOT NULL,
      "locked_until" timestamptz,
      CONSTRAINT "login_throttles_pkey" PRIMARY KEY ("key")
    )`);
    await queryRunner.query(`CREATE INDEX "login_throttles_last_attempt_at_idx" ON "login_throttles" ("last_attempt_at")`);
    await queryRunner.query(`ALTER TABLE "users" ADD "must_change_password" boolean NOT NULL DEFAULT false`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "must_change_password"`);
    await queryRunner.query(`DROP TABLE "login_throttles"`);
  }
}
