import { Body, Controller, Header, Post, UseGuards } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/public.decorator.js';
import { AuthThrottlerGuard, RateLimitBucket } from '../auth/rate-limit/auth-throttler.guard.js';
import { ApiErrors } from '../common/openapi.js';
import { Ctx, type RequestContext } from '../common/request-context.js';
import { emailTaken, usernameTaken } from '../users/user-errors.js';
import { SignupRequest, SignupResponse } from './dto/accounts.dto.js';
import { SignupService } from './signup.service.js';

/** Mounted only with `SIGNUP_ENABLED=true`; otherwise the route does not exist. */
@ApiTags('auth')
@Controller('v1/auth')
@UseGuards(AuthThrottlerGuard)
export class SignupController {
  constructor(private readonly signups: SignupService) {}

  @Public()
  @Post('signup')
  @Header('Cache-Control', 'no-store')
  @RateLimitBucket('signup')
  @ApiOperation({ summary: 'Create an account and sign in', description: 'The new address is unverified; a verification link is mailed to it.' })
  @ApiBody({ type: SignupRequest })
  @ApiCreatedResponse({ type: SignupResponse })
  @ApiErrors(emailTaken(), usernameTaken(), 422, 429)
  signup(@Ctx() ctx: RequestContext, @Body() dto: SignupRequest): Promise<SignupResponse> {
    return this.signups.signup(ctx, dto);
  }
}
