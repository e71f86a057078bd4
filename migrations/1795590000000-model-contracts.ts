import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Models made elsewhere (issue 14): ONNX as a third model format, and each model's input and
 * output contract (null: Berth's own encoding, what every existing model uses). An upload keeps
 * the signature read from the file so the import can propose a contract; an ONNX upload that
 * takes one tensor per feature has no single input width.
 */
export class ModelContracts1795590000000 implements MigrationInterface {
  name = 'ModelContracts1795590000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // PostgreSQL 12+ accepts this in a transaction; the value is not used in the same one.
    await queryRunner.query(`ALTER TYPE "model_format" ADD VALUE IF NOT EXISTS 'onnx'`);
    await queryRunner.query(`ALTER TABLE "models" ADD "contract" jsonb`);
    await queryRunner.query(`ALTER TABLE "model_uploads" ADD "signature" jsonb`);
    await queryRunner.query(`ALTER TABLE "model_uploads" ALTER COLUMN "input_width" DROP NOT NULL`);
    await queryRunner.query(`ALTER TABLE "model_uploads" ALTER COLUMN "output_width" DROP NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM "model_uploads" WHERE "format" = 'onnx'`);
    await queryRunner.query(`ALTER TABLE "model_uploads" ALTER COLUMN "output_width" SET NOT NULL`);
    await queryRunner.query(`ALTER TABLE "model_uploads" ALTER COLUMN "input_width" SET NOT NULL`);
    await queryRunner.query(`ALTER TABLE "model_uploads" DROP COLUMN "signature"`);
    await queryRunner.query(`ALTER TABLE "models" DROP COLUMN "contract"`);
    // An enum value cannot be dropped; 'onnx' stays unused.
  }
}
