import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { WorkspaceRole } from '../../access/roles.js';

/** Join of a user and a workspace; unique per pair, deleted with either side. */
@Entity({ name: 'workspace_members' })
export class WorkspaceMember {
  @PrimaryColumn({ type: 'uuid' })
  workspace_id: string;

  @PrimaryColumn({ type: 'uuid' })
  user_id: string;

  @Column({ type: 'varchar', length: 16 })
  role: WorkspaceRole;

  @Column({ type: 'uuid', nullable: true })
  added_by: string | null;

  /** Copy of users.created_at so the workspace's user list pages on one index. */
  @Column({ type: 'timestamptz', precision: 3 })
  user_created_at: Date;

  @Column({ type: 'timestamptz', precision: 3, default: () => 'now()' })
  created_at: Date;

  @Column({ type: 'timestamptz', precision: 3, default: () => 'now()' })
  updated_at: Date;

  /** Moves on every change of the row (a trigger); the source of the ETag. */
  @Column({ type: 'integer', default: 1 })
  version: number;
}
