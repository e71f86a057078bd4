import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Deployments1795568527084 implements MigrationInterface {
  name = 'Deployments1795568527084';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("CREATE TYPE \"public\".\"deployment_access\" AS ENUM('public', 'instance', 'project')");
    await queryRunner.query("CREATE TYPE \"public\".\"validation_mode\" AS ENUM('strict', 'best_effort')");
    await queryRunner.query("CREATE TABLE \"deployments\" (\"id\" uuid NOT NULL DEFAULT gen_random_uuid(), \"project_id\" uuid NOT NULL, \"experiment_id\" uuid NOT NULL, \"name\" text NOT NULL, \"slug\" text NOT NULL, \"description\" text NOT NULL DEFAULT '', \"access\" \"public\".\"deployment_access\" NOT NULL, \"validation_mode\" \"public\".\"validation_mode\" NOT NULL DEFAULT 'strict', \"drift_thresholds\" jsonb, \"current_version_id\" uuid, \"created_by\" uuid, \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"deployments_pkey\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE INDEX \"deployments_project_id_idx\" ON \"deployments\"  (\"project_id\") ");
    await queryRunner.query("CREATE UNIQUE INDEX \"deployments_slug_key\" ON \"deployments\"  (\"slug\") ");
    await queryRunner.query("CREATE TABLE \"api_keys\" (\"id\" uuid NOT NULL DEFAULT gen_random_uuid(), \"deployment_id\" uuid NOT NULL, \"name\" text NOT NULL, \"prefix\" text NOT NULL, \"key_hash\" text NOT NULL, \"created_by\" uuid, \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), \"last_used_at\" TIMESTAMP WITH TIME ZONE, \"revoked_at\" TIMESTAMP WITH TIME ZONE, CONSTRAINT \"api_keys_pkey\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE INDEX \"api_keys_deployment_id_idx\" ON \"api_keys\"  (\"deployment_id\") ");
    await queryRunner.query("CREATE UNIQUE INDEX \"api_keys_key_hash_key\" ON \"api_keys\"  (\"key_hash\") ");
    await queryRunner.query("CREATE TYPE \"public\".\"deployment_event_kind\" AS ENUM('created', 'deployed', 'rolled_back')");
    await queryRunner.query("CREATE TABLE \"deployment_events\" (\"id\" uuid NOT NULL DEFAULT gen_random_uuid(), \"deployment_id\" uuid NOT NULL, \"kind\" \"public\".\"deployment_event_kind\" NOT NULL, \"from_version\" integer, \"to_version\" integer NOT NULL, \"actor_id\" uuid, \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"deployment_events_pkey\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE INDEX \"deployment_events_deployment_id_idx\" ON \"deployment_events\"  (\"deployment_id\") ");
    await queryRunner.query("CREATE TABLE \"deployment_versions\" (\"id\" uuid NOT NULL DEFAULT gen_random_uuid(), \"deployment_id\" uuid NOT NULL, \"number\" integer NOT NULL, \"main_model_id\" uuid NOT NULL, \"challenger_model_id\" uuid, \"created_by\" uuid, \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"deployment_versions_pkey\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE INDEX \"deployment_versions_main_model_id_idx\" ON \"deployment_versions\"  (\"main_model_id\") ");
    await queryRunner.query("CREATE INDEX \"deployment_versions_challenger_model_id_idx\" ON \"deployment_versions\"  (\"challenger_model_id\") ");
    await queryRunner.query("CREATE UNIQUE INDEX \"deployment_versions_deployment_id_number_key\" ON \"deployment_versions\"  (\"deployment_id\", \"number\") ");
    await queryRunner.query("ALTER TABLE \"experiment_versions\" ADD \"example\" jsonb");
    await queryRunner.query("ALTER TABLE \"deployments\" ADD CONSTRAINT \"deployments_project_id_fkey\" FOREIGN KEY (\"project_id\") REFERENCES \"projects\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"deployments\" ADD CONSTRAINT \"deployments_experiment_id_fkey\" FOREIGN KEY (\"experiment_id\") REFERENCES \"experiments\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"api_keys\" ADD CONSTRAINT \"api_keys_deployment_id_fkey\" FOREIGN KEY (\"deployment_id\") REFERENCES \"deployments\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"deployment_events\" ADD CONSTRAINT \"deployment_events_deployment_id_fkey\" FOREIGN KEY (\"deployment_id\") REFERENCES \"deployments\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"deployment_versions\" ADD CONSTRAINT \"deployment_versions_deployment_id_fkey\" FOREIGN KEY (\"deployment_id\") REFERENCES \"deployments\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"deployment_versions\" ADD CONSTRAINT \"deployment_versions_main_model_id_fkey\" FOREIGN KEY (\"main_model_id\") REFERENCES \"models\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"deployment_versions\" ADD CONSTRAINT \"deployment_versions_challenger_model_id_fkey\" FOREIGN KEY (\"challenger_model_id\") REFERENCES \"models\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE \"deployment_versions\" DROP CONSTRAINT \"deployment_versions_challenger_model_id_fkey\"");
    await queryRunner.query("ALTER TABLE \"deployment_versions\" DROP CONSTRAINT \"deployment_versions_main_model_id_fkey\"");
    await queryRunner.query("ALTER TABLE \"deployment_versions\" DROP CONSTRAINT \"deployment_versions_deployment_id_fkey\"");
    await queryRunner.query("ALTER TABLE \"deployment_events\" DROP CONSTRAINT \"deployment_events_deployment_id_fkey\"");
    await queryRunner.query("ALTER TABLE \"api_keys\" DROP CONSTRAINT \"api_keys_deployment_id_fkey\"");
    await queryRunner.query("ALTER TABLE \"deployments\" DROP CONSTRAINT \"deployments_experiment_id_fkey\"");
    await queryRunner.query("ALTER TABLE \"deployments\" DROP CONSTRAINT \"deployments_project_id_fkey\"");
    await queryRunner.query("ALTER TABLE \"experiment_versions\" DROP COLUMN \"example\"");
    await queryRunner.query("DROP INDEX \"public\".\"deployment_versions_deployment_id_number_key\"");
    await queryRunner.query("DROP INDEX \"public\".\"deployment_versions_challenger_model_id_idx\"");
    await queryRunner.query("DROP INDEX \"public\".\"deployment_versions_main_model_id_idx\"");
    await queryRunner.query("DROP TABLE \"deployment_versions\"");
    await queryRunner.query("DROP INDEX \"public\".\"deployment_events_deployment_id_idx\"");
    await queryRunner.query("DROP TABLE \"deployment_events\"");
    await queryRunner.query("DROP TYPE \"public\".\"deployment_event_kind\"");
    await queryRunner.query("DROP INDEX \"public\".\"api_keys_key_hash_key\"");
    await queryRunner.query("DROP INDEX \"public\".\"api_keys_deployment_id_idx\"");
    await queryRunner.query("DROP TABLE \"api_keys\"");
    await queryRunner.query("DROP INDEX \"public\".\"deployments_slug_key\"");
    await queryRunner.query("DROP INDEX \"public\".\"deployments_project_id_idx\"");
    await queryRunner.query("DROP TABLE \"deployments\"");
    await queryRunner.query("DROP TYPE \"public\".\"validation_mode\"");
    await queryRunner.query("DROP TYPE \"public\".\"deployment_access\"");
  }
}
