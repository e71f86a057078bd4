import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Field, ID, ObjectType } from 'type-graphql';
import { Deployment } from './deployment.entity';

/** A credential that opens one deployment's prediction API. Only its SHA-256 is stored. */
@Entity('api_keys')
@ObjectType({ description: "A key for one deployment's prediction API; the secret is shown only at creation" })
export class ApiKey {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'api_keys_pkey' })
  @Field(() => ID, { description: 'Stable identifier, for revokeApiKey' })
  id: string;

  @Index('api_keys_deployment_id_idx')
  @Column('uuid', { name: 'deployment_id' })
  @Field(() => ID, { description: 'The deployment it opens' })
  deploymentId: string;

  @ManyToOne(() => Deployment, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'deployment_id', foreignKeyConstraintName: 'api_keys_deployment_id_fkey' })
  deployment: Deployment;

  @Column('text')
  @Field(() => String, { description: 'What it is for, as its creator named it' })
  name: string;

  @Column('text')
  @Field(() => String, { description: 'The first characters of the key, to tell keys apart' })
  prefix: string;

  @Index('api_keys_key_hash_key', { unique: true })
  @Column('text', { name: 'key_hash' })
  keyHash: string;

  @Column('uuid', { name: 'created_by', nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  @Field(() => Date, { description: 'When it was created' })
  createdAt: Date;

  @Column('timestamptz', { name: 'last_used_at', nullable: true })
  @Field(() => Date, { nullable: true, description: 'The last request it authenticated (to within a minute); null: never used' })
  lastUsedAt: Date | null;

  @Column('timestamptz', { name: 'revoked_at', nullable: true })
  @Field(() => Date, { nullable: true, description: 'When it was revoked; null: still valid' })
  revokedAt: Date | null;
}
