import { Body, Controller, Header, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiBody, ApiNoContentResponse, ApiOAuth2, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { Public } from '../auth/public.decorator.js';
import { AuthThrottlerGuard, RateLimitBucket } from '../auth/rate-limit/auth-throttler.guard.js';
import { ApiErrors } from '../common/openapi.js';
import { Ctx, type RequestContext } from '../common/request-context.js';
import type { User } from '../database/entities/user.entity.js';
import { UserResponse } from '../users/dto/user-response.dto.js';
import { alreadyVerified, tokenExpired, tokenNotFound } from './account-errors.js';
import { NewPasswordRequest, PasswordResetRequest, VerifyEmailRequest } from './dto/accounts.dto.js';
import { EmailVerificationService } from './email-verification.service.js';
import { PasswordResetService } from './password-reset.service.js';

/** Email verification and password reset, by links mailed to the user. */
@ApiTags('auth')
@Controller('v1/auth')
@UseGuards(AuthThrottlerGuard)
export class AccountsController {
  constructor(
    private readonly verification: EmailVerificationService,
    private readonly reset: PasswordResetService,
  ) {}

  @Post('verify-email/request')
  @HttpCode(202)
  @RateLimitBucket('account_mail')
  @ApiBearerAuth('bearer')
  @ApiOAuth2([], 'oauth2')
  @ApiOperation({ summary: 'Mail the caller a link that verifies their email address', description: 'No body. The link is valid for `VERIFY_EMAIL_TTL_SECONDS` (24 h by default).' })
  @ApiAcceptedResponse({ description: 'The mail is queued' })
  // No body is read, but a request may still carry one: it is parsed (and refused) like any other.
  @ApiErrors(401, alreadyVerified(), 413, 415, 422, 429)
  async requestVerification(@Ctx() ctx: RequestContext, @CurrentUser() user: User): Promise<void> {
    await this.verification.request(ctx, user);
  }

  @Public()
  @Post('verify-email')
  @HttpCode(200)
  @ApiOperation({ summary: 'Follow a verification link: the address it was sent to is verified' })
  @ApiBody({ type: VerifyEmailRequest })
  @ApiOkResponse({ type: UserResponse })
  @ApiErrors(tokenNotFound('verify_email'), tokenExpired('verify_email'), 422)
  confirmVerification(@Ctx() ctx: RequestContext, @Body() dto: VerifyEmailRequest): Promise<UserResponse> {
    return this.verification.confirm(ctx, dto.token);
  }

  @Public()
  @Post('password-reset/request')
  @HttpCode(202)
  @RateLimitBucket('account_mail')
  @ApiOperation({
    summary: 'Mail a password-reset link to the account with this address, if there is one',
    description: 'Answers 202 whether or not an account has this address, in the same time. A disabled account gets no mail. The link is valid for `PASSWORD_RESET_TTL_SECONDS` (1 h by default); a newer link voids older ones.',
  })
  @ApiBody({ type: PasswordResetRequest })
  @ApiAcceptedResponse({ description: 'Accepted; a mail goes out if an active account has this address' })
  @ApiErrors(422, 429)
  async requestReset(@Ctx() ctx: RequestContext, @Body() dto: PasswordResetRequest): Promise<void> {
    await this.reset.request(ctx, dto.email);
  }

  @Public()
  @Post('password-reset')
  @HttpCode(204)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Follow a password-reset link: set a new password',
    description: "The user is signed out everywhere at once (refresh and access tokens), the user's other reset links stop working, and the address counts as verified.",
  })
  @ApiBody({ type: NewPasswordRequest })
  @ApiNoContentResponse({ description: 'The password is changed' })
  @ApiErrors(tokenNotFound('password_reset'), tokenExpired('password_reset'), 422)
  async confirmReset(@Ctx() ctx: RequestContext, @Body() dto: NewPasswordRequest): Promise<void> {
    await this.reset.reset(ctx, dto.token, dto.new_password);
  }
}
