import { ApiHideProperty, ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined, IsIn, IsString, MaxLength, MinLength } from 'class-validator';
import { Optional } from '../../common/validation/decorators.js';
import { OptionalBody } from '../../common/validation/dto-rules.js';
import type { PydanticError } from '../../common/validation/pydantic-errors.js';

/** Longest password a login accepts: longer ones cannot match and would only cost hashing time. */
export const LOGIN_PASSWORD_MAX = 1024;
const LOGIN_MAX = 320;
const EXAMPLE_PASSWORD = 'correct-horse-battery';
const EXAMPLE_REFRESH_TOKEN = 'kQ3mZ8vN1xR7tY2wB5cE9gH4jL6pS0uA3dF8hK1nM7q';

export class LoginRequest {
  @ApiPropertyOptional({ description: 'Email or username', example: 'jane@example.com', maxLength: LOGIN_MAX })
  @Optional()
  @IsString()
  @MinLength(1)
  @MaxLength(LOGIN_MAX)
  login?: string;

  @ApiPropertyOptional({ description: 'Accepted in place of `login`', maxLength: LOGIN_MAX, example: 'jane@example.com' })
  @Optional()
  @IsString()
  @MinLength(1)
  @MaxLength(LOGIN_MAX)
  email?: string;

  @ApiPropertyOptional({ description: 'Accepted in place of `login`', maxLength: LOGIN_MAX, example: 'jane.doe' })
  @Optional()
  @IsString()
  @MinLength(1)
  @MaxLength(LOGIN_MAX)
  username?: string;

  @ApiProperty({ format: 'password', maxLength: LOGIN_PASSWORD_MAX, example: EXAMPLE_PASSWORD })
  @IsDefined()
  @IsString()
  @MaxLength(LOGIN_PASSWORD_MAX)
  password: string;

  /** One of `login`, `email` or `username` names the account. */
  static crossFieldErrors(raw: Record<string, unknown>): PydanticError[] {
    if ((raw.login ?? raw.email ?? raw.username) !== undefined) return [];
    return [{ type: 'missing', loc: ['body', 'login'], msg: 'Field required', input: raw }];
  }
}

/** The account a login names: `login`, else `email`, else `username`. */
export function loginOf(dto: LoginRequest): string {
  return (dto.login ?? dto.email ?? dto.username) as string;
}

/** OAuth2 resource-owner password grant (RFC 6749 §4.3), form-encoded; what Swagger UI's Authorize sends. */
export class TokenRequest {
  @ApiPropertyOptional({ enum: ['password'], default: 'password' })
  @Optional()
  @IsIn(['password'])
  grant_type?: string;

  @ApiProperty({ description: 'Email or username', maxLength: LOGIN_MAX, example: 'jane.doe' })
  @IsDefined()
  @IsString()
  @MinLength(1)
  @MaxLength(LOGIN_MAX)
  username: string;

  @ApiProperty({ format: 'password', maxLength: LOGIN_PASSWORD_MAX, example: EXAMPLE_PASSWORD })
  @IsDefined()
  @IsString()
  @MaxLength(LOGIN_PASSWORD_MAX)
  password: string;

  // Accepted as OAuth2 clients send them, and ignored: the token endpoint has no clients or
  // scopes, so the document does not offer them.
  @ApiHideProperty()
  scope?: string;

  @ApiHideProperty()
  client_id?: string;

  @ApiHideProperty()
  client_secret?: string;
}

export class RefreshRequest {
  @ApiProperty({ description: 'The refresh token of the last login or refresh', example: EXAMPLE_REFRESH_TOKEN })
  @IsDefined()
  @IsString()
  @MaxLength(512)
  refresh_token: string;
}

@OptionalBody()
export class LogoutRequest {
  @ApiPropertyOptional({ description: "Ends this token's session; without it, the session of the access token used", example: EXAMPLE_REFRESH_TOKEN })
  @Optional()
  @IsString()
  @MaxLength(512)
  refresh_token?: string;
}

export class TokenResponse {
  @ApiProperty({ description: 'JWT to send as `Authorization: Bearer …`', example: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI…' })
  access_token: string;

  @ApiProperty({ description: 'Opaque; spent by its first use on /v1/auth/refresh', example: EXAMPLE_REFRESH_TOKEN })
  refresh_token: string;

  @ApiProperty({ enum: ['bearer'], example: 'bearer' })
  token_type: 'bearer';

  @ApiProperty({ description: 'Lifetime of the access token in seconds', example: 900 })
  expires_in: number;
}
