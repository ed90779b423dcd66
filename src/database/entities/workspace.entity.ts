import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity({ name: 'workspaces' })
export class Workspace {
  @PrimaryGeneratedColumn('uuid', { name: 'workspace_id' })
  workspace_id: string;

  @Column({ type: 'uuid' })
  org_id: string;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  @Column({ type: 'varchar', length: 63 })
  slug: string;

  @Column({ type: 'varchar', length: 1000, nullable: true })
  description: string | null;

  /** Maintained by a trigger on workspace_members; makes the unfiltered list's `total` free. */
  @Column({ type: 'integer', default: 0, select: false })
  member_count: number;

  @Column({ type: 'timestamptz', precision: 3, default: () => 'now()' })
  created_at: Date;

  @Column({ type: 'timestamptz', precision: 3, default: () => 'now()' })
  updated_at: Date;

  /** Moves on every change of the row (a trigger); the source of the ETag. */
  @Column({ type: 'integer', default: 1 })
  version: number;
}
