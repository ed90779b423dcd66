import { ApiProperty } from '@nestjs/swagger';

/** What org and workspace member objects share besides their ids and role. */
export class MemberFieldsResponse {
  username: string;

  email: string;

  @ApiProperty({ type: String, nullable: true })
  full_name: string | null;

  @ApiProperty({ type: String, nullable: true })
  avatar_url: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  added_by: string | null;

  @ApiProperty({ format: 'date-time' })
  created_at: string;

  @ApiProperty({ format: 'date-time' })
  updated_at: string;
}
