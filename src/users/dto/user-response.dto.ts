import { ApiProperty } from '@nestjs/swagger';
import { PageResponse } from '../../common/pagination/page-response.dto.js';

/** The user object, exactly the reference's fields; never a password or its hash. */
export class UserResponse {
  @ApiProperty({ format: 'uuid' }) user_id: string;
  @ApiProperty({ format: 'email', example: 'jane@example.com' }) email: string;
  @ApiProperty({ example: 'jane.doe' }) username: string;
  @ApiProperty({ type: String, nullable: true, example: 'Jane Doe' }) full_name: string | null;
  @ApiProperty({ example: 'local' }) auth_provider: string;
  @ApiProperty() is_active: boolean;
  @ApiProperty() is_verified: boolean;
  @ApiProperty({ type: [String], example: ['user'] }) roles: string[];
  @ApiProperty({ type: String, nullable: true }) avatar_url: string | null;
  @ApiProperty({ type: String, nullable: true }) bio: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'Europe/Paris' }) timezone: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'en-US' }) locale: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) preferences: Record<string, unknown>;
  @ApiProperty({ type: 'object', additionalProperties: true }) settings: Record<string, unknown>;
  @ApiProperty({ type: String, format: 'date-time' }) created_at: string;
  @ApiProperty({ type: String, format: 'date-time' }) updated_at: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) last_login: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) default_workspace_id: string | null;
}

export class UserListResponse extends PageResponse {
  @ApiProperty({ type: [UserResponse] }) users: UserResponse[];
}
