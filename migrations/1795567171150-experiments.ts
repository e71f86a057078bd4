import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Experiments1795567171150 implements MigrationInterface {
  name = 'Experiments1795567171150';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("CREATE TYPE \"public\".\"experiment_task\" AS ENUM('regression', 'binary', 'multiclass')");
    await queryRunner.query("CREATE TABLE \"experiments\" (\"id\" uuid NOT NULL DEFAULT gen_random_uuid(), \"project_id\" uuid NOT NULL, \"name\" text NOT NULL, \"description\" text NOT NULL DEFAULT '', \"task\" \"public\".\"experiment_task\" NOT NULL, \"target_column\" text NOT NULL, \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"experiments_pkey\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE UNIQUE INDEX \"experiments_project_id_name_key\" ON \"experiments\"  (\"project_id\", \"name\") ");
    await queryRunner.query("CREATE TYPE \"public\".\"version_status\" AS ENUM('training', 'ready', 'failed')");
    await queryRunner.query("CREATE TABLE \"experiment_versions\" (\"id\" uuid NOT NULL DEFAULT gen_random_uuid(), \"experiment_id\" uuid NOT NULL, \"number\" integer NOT NULL, \"description\" text NOT NULL DEFAULT '', \"status\" \"public\".\"version_status\" NOT NULL, \"failure_reason\" text, \"dataset_id\" uuid, \"feature_schema\" jsonb NOT NULL, \"preprocessing\" jsonb, \"profile\" jsonb, \"labels\" jsonb, \"created_by\" uuid, \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"experiment_versions_pkey\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE UNIQUE INDEX \"experiment_versions_experiment_id_number_key\" ON \"experiment_versions\"  (\"experiment_id\", \"number\") ");
    await queryRunner.query("CREATE TABLE \"datasets\" (\"id\" uuid NOT NULL DEFAULT gen_random_uuid(), \"project_id\" uuid NOT NULL, \"file_name\" text NOT NULL, \"sha256\" text NOT NULL, \"size_bytes\" bigint NOT NULL, \"rows\" integer NOT NULL, \"columns\" jsonb NOT NULL, \"inferred_schema\" jsonb NOT NULL, \"created_by\" uuid, \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"datasets_pkey\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE INDEX \"datasets_project_id_idx\" ON \"datasets\"  (\"project_id\") ");
    await queryRunner.query("CREATE TYPE \"public\".\"model_format\" AS ENUM('layers', 'graph')");
    await queryRunner.query("CREATE TYPE \"public\".\"model_status\" AS ENUM('training', 'ready', 'failed')");
    await queryRunner.query("CREATE TABLE \"models\" (\"id\" uuid NOT NULL DEFAULT gen_random_uuid(), \"version_id\" uuid NOT NULL, \"name\" text NOT NULL, \"algorithm\" text NOT NULL, \"format\" \"public\".\"model_format\" NOT NULL DEFAULT 'layers', \"status\" \"public\".\"model_status\" NOT NULL, \"failure_reason\" text, \"files\" jsonb NOT NULL, \"input_width\" integer, \"output_width\" integer, \"metrics\" jsonb, \"holdout_distribution\" jsonb, \"is_best\" boolean NOT NULL DEFAULT false, \"training_ms\" integer, \"size_bytes\" bigint NOT NULL DEFAULT '0', \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"models_pkey\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE INDEX \"models_version_id_idx\" ON \"models\"  (\"version_id\") ");
    await queryRunner.query("CREATE TABLE \"model_uploads\" (\"id\" uuid NOT NULL DEFAULT gen_random_uuid(), \"project_id\" uuid NOT NULL, \"format\" \"public\".\"model_format\" NOT NULL, \"files\" jsonb NOT NULL, \"input_width\" integer NOT NULL, \"output_width\" integer NOT NULL, \"created_by\" uuid, \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"model_uploads_pkey\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE INDEX \"model_uploads_project_id_idx\" ON \"model_uploads\"  (\"project_id\") ");
    await queryRunner.query("ALTER TABLE \"experiments\" ADD CONSTRAINT \"experiments_project_id_fkey\" FOREIGN KEY (\"project_id\") REFERENCES \"projects\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"experiment_versions\" ADD CONSTRAINT \"experiment_versions_experiment_id_fkey\" FOREIGN KEY (\"experiment_id\") REFERENCES \"experiments\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"experiment_versions\" ADD CONSTRAINT \"experiment_versions_dataset_id_fkey\" FOREIGN KEY (\"dataset_id\") REFERENCES \"datasets\"(\"id\") ON DELETE SET NULL ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"datasets\" ADD CONSTRAINT \"datasets_project_id_fkey\" FOREIGN KEY (\"project_id\") REFERENCES \"projects\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"models\" ADD CONSTRAINT \"models_version_id_fkey\" FOREIGN KEY (\"version_id\") REFERENCES \"experiment_versions\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"model_uploads\" ADD CONSTRAINT \"model_uploads_project_id_fkey\" FOREIGN KEY (\"project_id\") REFERENCES \"projects\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE \"model_uploads\" DROP CONSTRAINT \"model_uploads_project_id_fkey\"");
    await queryRunner.query("ALTER TABLE \"models\" DROP CONSTRAINT \"models_version_id_fkey\"");
    await queryRunner.query("ALTER TABLE \"datasets\" DROP CONSTRAINT \"datasets_project_id_fkey\"");
    await queryRunner.query("ALTER TABLE \"experiment_versions\" DROP CONSTRAINT \"experiment_versions_dataset_id_fkey\"");
    await queryRunner.query("ALTER TABLE \"experiment_versions\" DROP CONSTRAINT \"experiment_versions_experiment_id_fkey\"");
    await queryRunner.query("ALTER TABLE \"experiments\" DROP CONSTRAINT \"experiments_project_id_fkey\"");
    await queryRunner.query("DROP INDEX \"public\".\"model_uploads_project_id_idx\"");
    await queryRunner.query("DROP TABLE \"model_uploads\"");
    await queryRunner.query("DROP INDEX \"public\".\"models_version_id_idx\"");
    await queryRunner.query("DROP TABLE \"models\"");
    await queryRunner.query("DROP TYPE \"public\".\"model_format\"");
    await queryRunner.query("DROP TYPE \"public\".\"model_status\"");
    await queryRunner.query("DROP INDEX \"public\".\"datasets_project_id_idx\"");
    await queryRunner.query("DROP TABLE \"datasets\"");
    await queryRunner.query("DROP INDEX \"public\".\"experiment_versions_experiment_id_number_key\"");
    await queryRunner.query("DROP TABLE \"experiment_versions\"");
    await queryRunner.query("DROP TYPE \"public\".\"version_status\"");
    await queryRunner.query("DROP INDEX \"public\".\"experiments_project_id_name_key\"");
    await queryRunner.query("DROP TABLE \"experiments\"");
    await queryRunner.query("DROP TYPE \"public\".\"experiment_task\"");
  }
}
