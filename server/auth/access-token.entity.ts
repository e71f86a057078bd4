import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { User } from './user.entity';

export enum AccessTokenKind {
  /** Issued by login; also carried by the console's cookie. */
  session = 'session',
  /** Created by a user for scripts and integrations. */
  personal = 'personal',
}
registerEnumType(AccessTokenKind, { name: 'AccessTokenKind' });

/**
 * A bearer credential. Only the SHA-256 of the secret is stored: the secret has 256 bits of
 * entropy, so a fast hash is enough and keeps every authenticated request cheap.
 */
@Entity('access_tokens')
@ObjectType({ description: 'A session or personal access token; the secret itself is shown only once, at creation' })
export class AccessToken {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'access_tokens_pkey' })
  @Field(() => ID)
  id: string;

  @Index('access_tokens_user_id_idx')
  @Column('uuid', { name: 'user_id' })
  userId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'access_tokens_user_id_fkey' })
  user: User;

  @Column('enum', { enum: AccessTokenKind, enumName: 'access_token_kind' })
  @Field(() => AccessTokenKind)
  kind: AccessTokenKind;

  @Column('text')
  @Field(() => String)
  name: string;

  @Index('access_tokens_token_hash_key', { unique: true })
  @Column('text', { name: 'token_hash' })
  tokenHash: string;

  /** The first characters of the secret, so a user can tell tokens apart. */
  @Column('text')
  @Field(() => String)
  prefix: string;

  @Column('timestamptz', { name: 'expires_at', nullable: true })
  @Field(() => Date, { nullable: true })
  expiresAt: Date | null;

  @Column('timestamptz', { name: 'last_used_at', nullable: true })
  @Field(() => Date, { nullable: true })
  lastUsedAt: Date | null;

  @Column('timestamptz', { name: 'revoked_at', nullable: true })
  @Field(() => Date, { nullable: true })
  revokedAt: Date | null;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  @Field(() => Date)
  createdAt: Date;
}
