import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Project } from '../projects/project.entity';

export enum ConnectorTlsMode {
  disable = 'disable',
  require = 'require',
  verify_full = 'verify-full',
}
registerEnumType(ConnectorTlsMode, {
  name: 'ConnectorTlsMode',
  description: 'How the connection to the external PostgreSQL is encrypted (libpq sslmode semantics)',
  valuesConfig: {
    disable: { description: 'No TLS: only on a network you trust' },
    require: { description: 'TLS, without checking the server certificate: encrypted, but open to an active man-in-the-middle' },
    verify_full: { description: 'TLS with a certificate signed by a trusted CA and naming the host' },
  },
});

/**
 * An external PostgreSQL a project's pipelines read from or deliver to. The password is
 * stored encrypted (SecretBox) and never leaves the server: no GraphQL field exposes it.
 */
@Entity('connectors')
@Index('connectors_project_id_name_key', ['projectId', 'name'], { unique: true })
@ObjectType({ description: "An external PostgreSQL database of a project, for pipelines' sources and destinations" })
export class Connector {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'connectors_pkey' })
  @Field(() => ID, { description: 'Stable identifier' })
  id: string;

  // The unique (project_id, name) index also serves lookups by project.
  @Column('uuid', { name: 'project_id' })
  @Field(() => ID, { description: 'The project it belongs to' })
  projectId: string;

  @ManyToOne(() => Project, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'project_id', foreignKeyConstraintName: 'connectors_project_id_fkey' })
  project: Project;

  @Column('text')
  @Field(() => String, { description: 'Unique in the project' })
  name: string;

  @Column('text')
  @Field(() => String, { description: 'Host name or IP address of the PostgreSQL server' })
  host: string;

  @Column('integer')
  @Field(() => Int, { description: 'TCP port, 5432 by default' })
  port: number;

  @Column('text')
  @Field(() => String, { description: 'The database to connect to' })
  database: string;

  // Not "user": a reserved word in SQL, where an unquoted `user` silently means current_user.
  @Column('text', { name: 'username' })
  @Field(() => String, { description: 'The PostgreSQL role it connects as' })
  user: string;

  /** SecretBox output; null when the server needs no password. Never a GraphQL field. */
  @Column('text', { name: 'password_encrypted', nullable: true })
  passwordEncrypted: string | null;

  @Column('enum', { enum: ConnectorTlsMode, enumName: 'connector_tls_mode', name: 'tls_mode' })
  @Field(() => ConnectorTlsMode, { description: 'How the connection is encrypted' })
  tlsMode: ConnectorTlsMode;

  @Column('uuid', { name: 'created_by', nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  @Field(() => Date, { description: 'When it was created' })
  createdAt: Date;

  @Field(() => Boolean, { description: 'A password is stored (encrypted); it is never returned' })
  get hasPassword(): boolean {
    return this.passwordEncrypted !== null && this.passwordEncrypted !== undefined;
  }
}
