import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { User } from './user.entity';

export enum AccessTokenKind {
  /** Issued by login; also carried by the console's cookie. */
  session = 'session',
  /** Created by a user for scripts and integrations. */
  personal = 'personal',
}
registerEnumType(AccessTokenKind, {
  name: 'AccessTokenKind',
  description: 'Where a bearer token comes from',
  valuesConfig: {
    session: { description: "Issued by login; also carried by the console's cookie" },
    personal: { description: 'Created by a user for scripts and integrations' },
  },
});

/**
 * A bearer credential. Only the SHA-256 of the secret is stored: the secret has 256 bits of
 * entropy, so a fast hash is enough and keeps every authenticated request cheap.
 */
@Entity('access_tokens')
@ObjectType({ description: 'A session or personal access token; the secret itself is shown only once, at creation' })
export class AccessToken {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'access_tokens_pkey' })
  @Field(() => ID, { description: 'Stable identifier, for revokeAccessToken' })
  id: string;

  @Index('access_tokens_user_id_idx')
  @Column('uuid', { name: 'user_id' })
  userId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'access_tokens_user_id_fkey' })
  user: User;

  @Column('enum', { enum: AccessTokenKind, enumName: 'access_token_kind' })
  @Field(() => AccessTokenKind, { description: 'Whether sign-in issued it (session) or a user created it (personal)' })
  kind: AccessTokenKind;

  @Column('text')
  @Field(() => String, { description: 'What it is for, as its creator named it' })
  name: string;

  @Index('access_tokens_token_hash_key', { unique: true })
  @Column('text', { name: 'token_hash' })
  tokenHash: string;

  /** The first characters of the secret, so a user can tell tokens apart. */
  @Column('text')
  @Field(() => String, { description: 'The first characters of the secret, to tell tokens apart' })
  prefix: string;

  @Column('timestamptz', { name: 'expires_at', nullable: true })
  @Field(() => Date, { nullable: true, description: 'When it stops working; null: never (personal tokens created without an expiry by a token that never expires)' })
  expiresAt: Date | null;

  @Column('timestamptz', { name: 'last_used_at', nullable: true })
  @Field(() => Date, { nullable: true, description: 'The last request it authenticated (to within a minute); null: never used' })
  lastUsedAt: Date | null;

  @Column('timestamptz', { name: 'revoked_at', nullable: true })
  @Field(() => Date, { nullable: true, description: 'When it was revoked; null: still valid until expiresAt' })
  revokedAt: Date | null;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  @Field(() => Date, { description: 'When it was issued' })
  createdAt: Date;
}
