import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { OrgRole } from '../../access/roles.js';

@Entity({ name: 'org_members' })
export class OrgMember {
  @PrimaryColumn({ type: 'uuid' })
  org_id: string;

  @PrimaryColumn({ type: 'uuid' })
  user_id: string;

  @Column({ type: 'varchar', length: 16 })
  role: OrgRole;

  @Column({ type: 'uuid', nullable: true })
  added_by: string | null;

  @Column({ type: 'timestamptz', precision: 3, default: () => 'now()' })
  created_at: Date;

  @Column({ type: 'timestamptz', precision: 3, default: () => 'now()' })
  updated_at: Date;

  /** Moves on every change of the row (a trigger); the source of the ETag. */
  @Column({ type: 'integer', default: 1 })
  version: number;
}
