import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity({ name: 'users' })
export class User {
  @PrimaryGeneratedColumn('uuid', { name: 'user_id' })
  user_id: string;

  @Column({ type: 'varchar', length: 320 })
  email: string;

  @Column({ type: 'varchar', length: 50 })
  username: string;

  @Column({ type: 'text', name: 'password_hash', nullable: true, select: false })
  password_hash: string | null;

  @Column({ type: 'varchar', length: 100, nullable: true })
  full_name: string | null;

  @Column({ type: 'varchar', length: 32, default: 'local' })
  auth_provider: string;

  @Column({ type: 'boolean', default: true })
  is_active: boolean;

  @Column({ type: 'boolean', default: false })
  is_verified: boolean;

  @Column({ type: 'text', array: true, default: () => "'{user}'" })
  roles: string[];

  @Column({ type: 'varchar', length: 2048, nullable: true })
  avatar_url: string | null;

  @Column({ type: 'varchar', length: 1000, nullable: true })
  bio: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  timezone: string | null;

  @Column({ type: 'varchar', length: 35, nullable: true })
  locale: string | null;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  preferences: Record<string, unknown>;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  settings: Record<string, unknown>;

  @Column({ type: 'timestamptz', precision: 3, default: () => 'now()' })
  created_at: Date;

  @Column({ type: 'timestamptz', precision: 3, default: () => 'now()' })
  updated_at: Date;

  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  last_login: Date | null;

  @Column({ type: 'uuid', nullable: true })
  default_workspace_id: string | null;

  /** Moves on every change of the row (a trigger); the user's ETag. Never in a response body. */
  @Column({ type: 'integer', default: 1 })
  version: number;
}

export const PLATFORM_ADMIN_ROLE = 'admin';

export function isPlatformAdmin(user: Pick<User, 'roles'>): boolean {
  return user.roles.includes(PLATFORM_ADMIN_ROLE);
}

/** Every column a client may see, in the reference's order; the password hash is never selected. */
export const USER_COLUMNS = [
  'user_id', 'email', 'username', 'full_name', 'auth_provider', 'is_active', 'is_verified', 'roles',
  'avatar_url', 'bio', 'timezone', 'locale', 'preferences', 'settings', 'created_at', 'updated_at',
  'last_login', 'default_workspace_id',
] as const;

/** The response's columns and the row's version, which every query of a user reads with them. */
export const USER_SELECT = [...USER_COLUMNS, 'version'].map((c) => `u.${c}`).join(', ');
