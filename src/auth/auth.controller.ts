import { Body, Controller, Header, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiNoContentResponse, ApiOAuth2, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthenticationError } from '../common/errors/app-error.js';
import { ApiErrors } from '../common/openapi.js';
import { Ctx, type RequestContext } from '../common/request-context.js';
import type { User } from '../database/entities/user.entity.js';
import { AuthService } from './auth.service.js';
import { CurrentSession, CurrentUser } from './current-user.decorator.js';
import { LoginRequest, loginOf, LogoutRequest, RefreshRequest, TokenRequest, TokenResponse } from './dto/auth.dto.js';
import { Public } from './public.decorator.js';
import { AuthThrottlerGuard, RateLimitBucket } from './rate-limit/auth-throttler.guard.js';

@ApiTags('auth')
@Controller('v1/auth')
@UseGuards(AuthThrottlerGuard)
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @Post('login')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @RateLimitBucket('login')
  @ApiOperation({ summary: 'Log in with an email or username and a password' })
  @ApiBody({ type: LoginRequest })
  @ApiOkResponse({ type: TokenResponse })
  @ApiErrors(new AuthenticationError('Invalid credentials'), new AuthenticationError('Account is disabled'), 422, 429)
  login(@Ctx() ctx: RequestContext, @Body() dto: LoginRequest): Promise<TokenResponse> {
    return this.auth.login(ctx, loginOf(dto), dto.password);
  }

  @Public()
  @Post('token')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @RateLimitBucket('login')
  @ApiOperation({ summary: 'OAuth2 password grant (form-encoded), as used by the Authorize dialog of the docs' })
  @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
  @ApiBody({ type: TokenRequest })
  @ApiOkResponse({ type: TokenResponse })
  @ApiErrors(new AuthenticationError('Invalid credentials'), new AuthenticationError('Account is disabled'), 422, 429)
  token(@Ctx() ctx: RequestContext, @Body() dto: TokenRequest): Promise<TokenResponse> {
    return this.auth.login(ctx, dto.username, dto.password);
  }

  @Public()
  @Post('refresh')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @RateLimitBucket('refresh')
  @ApiOperation({ summary: 'Exchange a refresh token for a new pair; the old refresh token is spent' })
  @ApiBody({ type: RefreshRequest })
  @ApiOkResponse({ type: TokenResponse })
  @ApiErrors(new AuthenticationError(), new AuthenticationError('Account is disabled'), 422, 429)
  refresh(@Ctx() ctx: RequestContext, @Body() dto: RefreshRequest): Promise<TokenResponse> {
    return this.auth.refresh(ctx, dto.refresh_token);
  }

  @Post('logout')
  @HttpCode(204)
  @ApiBearerAuth('bearer')
  @ApiOAuth2([], 'oauth2')
  @ApiOperation({ summary: "End a session: the refresh token's family is revoked" })
  @ApiBody({ type: LogoutRequest, required: false })
  @ApiNoContentResponse({ description: 'Logged out' })
  @ApiErrors(401, 422)
  async logout(@Ctx() ctx: RequestContext, @CurrentUser() user: User, @CurrentSession() session: string | undefined, @Body() dto: LogoutRequest): Promise<void> {
    await this.auth.logout(ctx, user.user_id, dto.refresh_token, session);
  }
}
