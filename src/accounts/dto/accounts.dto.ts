import { ApiProperty, IntersectionType, PickType } from '@nestjs/swagger';
import { IsDefined, IsString, MaxLength, MinLength } from 'class-validator';
import { TokenResponse } from '../../auth/dto/auth.dto.js';
import { UserResponse } from '../../users/dto/user-response.dto.js';
import { CreateUserRequest } from '../../users/dto/users.dto.js';
import { UserFields } from '../../users/dto/user-fields.js';

const EXAMPLE_TOKEN = 'Zk3mQ8vN1xR7tY2wB5cE9gH4jL6pS0uA3dF8hK1nM7q';
/** Longer than any token the service makes (43 characters); a longer one is refused unread. */
const TOKEN_MAX = 256;

/** The token of a mailed link (what follows `token=` in it). */
abstract class LinkToken {
  @ApiProperty({ description: 'The token from the mailed link', example: EXAMPLE_TOKEN, maxLength: TOKEN_MAX })
  @IsDefined()
  @IsString()
  @MinLength(1)
  @MaxLength(TOKEN_MAX)
  token: string;
}

export class VerifyEmailRequest extends LinkToken {}

export class PasswordResetRequest {
  @UserFields.email('required') email: string;
}

/** A new password follows the rules of any password. */
export class NewPasswordRequest extends LinkToken {
  @UserFields.password('required') new_password: string;
}

/** A sign-up: the fields, rules and uniqueness of `POST /v1/users`, the rest left at their defaults. */
export class SignupRequest extends PickType(CreateUserRequest, ['email', 'username', 'password', 'full_name'] as const) {}

class SignedUpUser {
  @ApiProperty({ type: UserResponse }) user: UserResponse;
}

/** The new user, signed in: the token pair a login would give. */
export class SignupResponse extends IntersectionType(SignedUpUser, TokenResponse) {}
