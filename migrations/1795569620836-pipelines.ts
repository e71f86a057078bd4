import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Pipelines1795569620836 implements MigrationInterface {
  name = 'Pipelines1795569620836';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("CREATE TYPE \"public\".\"connector_tls_mode\" AS ENUM('disable', 'require', 'verify-full')");
    await queryRunner.query("CREATE TABLE \"connectors\" (\"id\" uuid NOT NULL DEFAULT gen_random_uuid(), \"project_id\" uuid NOT NULL, \"name\" text NOT NULL, \"host\" text NOT NULL, \"port\" integer NOT NULL, \"database\" text NOT NULL, \"username\" text NOT NULL, \"password_encrypted\" text, \"tls_mode\" \"public\".\"connector_tls_mode\" NOT NULL, \"created_by\" uuid, \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"connectors_pkey\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE UNIQUE INDEX \"connectors_project_id_name_key\" ON \"connectors\"  (\"project_id\", \"name\") ");
    await queryRunner.query("CREATE TYPE \"public\".\"pipeline_source_kind\" AS ENUM('dataset', 'sql')");
    await queryRunner.query("CREATE TABLE \"pipelines\" (\"id\" uuid NOT NULL DEFAULT gen_random_uuid(), \"project_id\" uuid NOT NULL, \"deployment_id\" uuid, \"name\" text NOT NULL, \"source_kind\" \"public\".\"pipeline_source_kind\" NOT NULL, \"source_dataset_id\" uuid, \"source_connector_id\" uuid, \"source_sql\" text, \"destination_connector_id\" uuid, \"destination_table\" text, \"schedule_cron\" text, \"schedule_timezone\" text NOT NULL DEFAULT 'UTC', \"enabled\" boolean NOT NULL DEFAULT true, \"retry_attempts\" integer NOT NULL DEFAULT '0', \"retry_backoff_ms\" integer NOT NULL DEFAULT '60000', \"max_error_ratio\" double precision NOT NULL DEFAULT '0.1', \"created_by\" uuid, \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"pipelines_pkey\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE INDEX \"pipelines_project_id_idx\" ON \"pipelines\"  (\"project_id\") ");
    await queryRunner.query("CREATE INDEX \"pipelines_deployment_id_idx\" ON \"pipelines\"  (\"deployment_id\") ");
    await queryRunner.query("CREATE TYPE \"public\".\"pipeline_run_status\" AS ENUM('queued', 'running', 'succeeded', 'failed', 'cancelled')");
    await queryRunner.query("CREATE TYPE \"public\".\"pipeline_run_trigger\" AS ENUM('schedule', 'manual')");
    await queryRunner.query("CREATE TABLE \"pipeline_runs\" (\"id\" uuid NOT NULL DEFAULT gen_random_uuid(), \"pipeline_id\" uuid NOT NULL, \"status\" \"public\".\"pipeline_run_status\" NOT NULL, \"trigger\" \"public\".\"pipeline_run_trigger\" NOT NULL, \"triggered_by\" uuid, \"deployment_version\" integer, \"attempt\" integer NOT NULL DEFAULT '1', \"rows_read\" integer NOT NULL DEFAULT '0', \"rows_predicted\" integer NOT NULL DEFAULT '0', \"rows_failed\" integer NOT NULL DEFAULT '0', \"rows_total\" integer, \"progress\" double precision, \"error\" text, \"cancel_requested\" boolean NOT NULL DEFAULT false, \"files\" jsonb NOT NULL, \"started_at\" TIMESTAMP WITH TIME ZONE, \"finished_at\" TIMESTAMP WITH TIME ZONE, \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"pipeline_runs_pkey\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE INDEX \"pipeline_runs_pipeline_id_created_at_idx\" ON \"pipeline_runs\"  (\"pipeline_id\") ");
    await queryRunner.query("ALTER TABLE \"connectors\" ADD CONSTRAINT \"connectors_project_id_fkey\" FOREIGN KEY (\"project_id\") REFERENCES \"projects\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"pipelines\" ADD CONSTRAINT \"pipelines_project_id_fkey\" FOREIGN KEY (\"project_id\") REFERENCES \"projects\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"pipelines\" ADD CONSTRAINT \"pipelines_deployment_id_fkey\" FOREIGN KEY (\"deployment_id\") REFERENCES \"deployments\"(\"id\") ON DELETE SET NULL ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"pipelines\" ADD CONSTRAINT \"pipelines_source_dataset_id_fkey\" FOREIGN KEY (\"source_dataset_id\") REFERENCES \"datasets\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"pipeline_runs\" ADD CONSTRAINT \"pipeline_runs_pipeline_id_fkey\" FOREIGN KEY (\"pipeline_id\") REFERENCES \"pipelines\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE \"pipeline_runs\" DROP CONSTRAINT \"pipeline_runs_pipeline_id_fkey\"");
    await queryRunner.query("ALTER TABLE \"pipelines\" DROP CONSTRAINT \"pipelines_source_dataset_id_fkey\"");
    await queryRunner.query("ALTER TABLE \"pipelines\" DROP CONSTRAINT \"pipelines_deployment_id_fkey\"");
    await queryRunner.query("ALTER TABLE \"pipelines\" DROP CONSTRAINT \"pipelines_project_id_fkey\"");
    await queryRunner.query("ALTER TABLE \"connectors\" DROP CONSTRAINT \"connectors_project_id_fkey\"");
    await queryRunner.query("DROP INDEX \"public\".\"pipeline_runs_pipeline_id_created_at_idx\"");
    await queryRunner.query("DROP TABLE \"pipeline_runs\"");
    await queryRunner.query("DROP TYPE \"public\".\"pipeline_run_trigger\"");
    await queryRunner.query("DROP TYPE \"public\".\"pipeline_run_status\"");
    await queryRunner.query("DROP INDEX \"public\".\"pipelines_deployment_id_idx\"");
    await queryRunner.query("DROP INDEX \"public\".\"pipelines_project_id_idx\"");
    await queryRunner.query("DROP TABLE \"pipelines\"");
    await queryRunner.query("DROP TYPE \"public\".\"pipeline_source_kind\"");
    await queryRunner.query("DROP INDEX \"public\".\"connectors_project_id_name_key\"");
    await queryRunner.query("DROP TABLE \"connectors\"");
    await queryRunner.query("DROP TYPE \"public\".\"connector_tls_mode\"");
  }
}
