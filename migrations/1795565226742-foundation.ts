import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Foundation1795565226742 implements MigrationInterface {
  name = 'Foundation1795565226742';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("CREATE TYPE \"public\".\"instance_role\" AS ENUM('admin', 'member')");
    await queryRunner.query("CREATE TABLE \"users\" (\"id\" uuid NOT NULL DEFAULT gen_random_uuid(), \"email\" text NOT NULL, \"name\" text NOT NULL, \"password_hash\" text NOT NULL, \"role\" \"public\".\"instance_role\" NOT NULL DEFAULT 'member', \"disabled\" boolean NOT NULL DEFAULT false, \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"users_pkey\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE UNIQUE INDEX \"users_email_key\" ON \"users\"  (\"email\") ");
    await queryRunner.query("CREATE TYPE \"public\".\"access_token_kind\" AS ENUM('session', 'personal')");
    await queryRunner.query("CREATE TABLE \"access_tokens\" (\"id\" uuid NOT NULL DEFAULT gen_random_uuid(), \"user_id\" uuid NOT NULL, \"kind\" \"public\".\"access_token_kind\" NOT NULL, \"name\" text NOT NULL, \"token_hash\" text NOT NULL, \"prefix\" text NOT NULL, \"expires_at\" TIMESTAMP WITH TIME ZONE, \"last_used_at\" TIMESTAMP WITH TIME ZONE, \"revoked_at\" TIMESTAMP WITH TIME ZONE, \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"access_tokens_pkey\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE INDEX \"access_tokens_user_id_idx\" ON \"access_tokens\"  (\"user_id\") ");
    await queryRunner.query("CREATE UNIQUE INDEX \"access_tokens_token_hash_key\" ON \"access_tokens\"  (\"token_hash\") ");
    await queryRunner.query("CREATE TABLE \"projects\" (\"id\" uuid NOT NULL DEFAULT gen_random_uuid(), \"name\" text NOT NULL, \"description\" text NOT NULL DEFAULT '', \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"projects_pkey\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE TYPE \"public\".\"project_role\" AS ENUM('viewer', 'contributor', 'admin')");
    await queryRunner.query("CREATE TABLE \"project_collaborators\" (\"project_id\" uuid NOT NULL, \"user_id\" uuid NOT NULL, \"role\" \"public\".\"project_role\" NOT NULL, \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"project_collaborators_pkey\" PRIMARY KEY (\"project_id\", \"user_id\"))");
    await queryRunner.query("CREATE INDEX \"project_collaborators_user_id_idx\" ON \"project_collaborators\"  (\"user_id\") ");
    await queryRunner.query("ALTER TABLE \"access_tokens\" ADD CONSTRAINT \"access_tokens_user_id_fkey\" FOREIGN KEY (\"user_id\") REFERENCES \"users\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"project_collaborators\" ADD CONSTRAINT \"project_collaborators_project_id_fkey\" FOREIGN KEY (\"project_id\") REFERENCES \"projects\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"project_collaborators\" ADD CONSTRAINT \"project_collaborators_user_id_fkey\" FOREIGN KEY (\"user_id\") REFERENCES \"users\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE \"project_collaborators\" DROP CONSTRAINT \"project_collaborators_user_id_fkey\"");
    await queryRunner.query("ALTER TABLE \"project_collaborators\" DROP CONSTRAINT \"project_collaborators_project_id_fkey\"");
    await queryRunner.query("ALTER TABLE \"access_tokens\" DROP CONSTRAINT \"access_tokens_user_id_fkey\"");
    await queryRunner.query("DROP INDEX \"public\".\"project_collaborators_user_id_idx\"");
    await queryRunner.query("DROP TABLE \"project_collaborators\"");
    await queryRunner.query("DROP TYPE \"public\".\"project_role\"");
    await queryRunner.query("DROP TABLE \"projects\"");
    await queryRunner.query("DROP INDEX \"public\".\"access_tokens_token_hash_key\"");
    await queryRunner.query("DROP INDEX \"public\".\"access_tokens_user_id_idx\"");
    await queryRunner.query("DROP TABLE \"access_tokens\"");
    await queryRunner.query("DROP TYPE \"public\".\"access_token_kind\"");
    await queryRunner.query("DROP INDEX \"public\".\"users_email_key\"");
    await queryRunner.query("DROP TABLE \"users\"");
    await queryRunner.query("DROP TYPE \"public\".\"instance_role\"");
  }
}
