import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';

export enum InstanceRole {
  admin = 'admin',
  member = 'member',
}
registerEnumType(InstanceRole, {
  name: 'InstanceRole',
  description: 'What a user may do on the whole instance',
  valuesConfig: {
    admin: { description: 'Manages users and sees every project' },
    member: { description: 'Sees the projects they collaborate on, with their role there' },
  },
});

@Entity('users')
@ObjectType({ description: 'A person with an account on this Berth instance' })
export class User {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'users_pkey' })
  @Field(() => ID, { description: 'Stable identifier' })
  id: string;

  /** Stored lower-cased; unique. */
  @Index('users_email_key', { unique: true })
  @Column('text')
  @Field(() => String, { description: 'Sign-in address, stored lower-cased; unique on the instance' })
  email: string;

  @Column('text')
  @Field(() => String, { description: 'Display name' })
  name: string;

  /** Argon2id hash; never exposed. */
  @Column('text', { name: 'password_hash' })
  passwordHash: string;

  @Column('enum', { enum: InstanceRole, enumName: 'instance_role', default: InstanceRole.member })
  @Field(() => InstanceRole, { description: 'What the user may do on the whole instance' })
  role: InstanceRole;

  @Column('boolean', { default: false })
  @Field(() => Boolean, { description: 'A disabled user cannot sign in and their tokens stop working' })
  disabled: boolean;

  /** Set by an admin's password reset: until the user picks a password, only changePassword, me and logout work. */
  @Column('boolean', { name: 'must_change_password', default: false })
  @Field(() => Boolean, { description: 'An admin reset the password: the user must choose a new one (changePassword) before anything else' })
  mustChangePassword: boolean;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  @Field(() => Date, { description: 'When the account was created' })
  createdAt: Date;
}
