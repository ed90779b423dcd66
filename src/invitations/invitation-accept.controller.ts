import { Body, Controller, HttpCode, Post, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiExtraModels, ApiOAuth2, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/public.decorator.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { ForbiddenError } from '../common/errors/app-error.js';
import { ApiErrors } from '../common/openapi.js';
import { Ctx, type RequestContext } from '../common/request-context.js';
import { RequestValidationError } from '../common/validation/pydantic-errors.js';
import { maskSecrets } from '../common/validation/secret-fields.js';
import type { User } from '../database/entities/user.entity.js';
import { alreadyAccepted, alreadyMemberByEmail, invitationExpired, unknownToken } from './invitation-errors.js';
import { InvitationAcceptService } from './invitation-accept.service.js';
import { AcceptedAsNewUserResponse, AcceptedInvitationResponse, AcceptInvitationDto } from './invitation.dto.js';
import { OptionalBearerGuard } from './optional-bearer.guard.js';
import { EXAMPLE_ID } from '../common/openapi.js';
import { Idempotent } from '../common/http/conditional/decorators.js';

@ApiTags('invitations')
@Controller('v1/invitations')
export class InvitationAcceptController {
  constructor(private readonly accepts: InvitationAcceptService) {}

  /** Accept Invitation */
  @Post('accept')
  @Idempotent()
  @Public()
  @UseGuards(OptionalBearerGuard)
  @HttpCode(200)
  @ApiBearerAuth('bearer')
  @ApiOAuth2([], 'oauth2')
  @ApiSecurity('api_key')
  @ApiSecurity({})
  @ApiOperation({
    description:
      'Signed in (bearer token): the caller joins, if their email is the invited one → 200 `{invitation, membership}`. ' +
      'Not signed in: `username` and `password` (and optionally `full_name`) open a verified account with the invited email, ' +
      'which joins and is signed in → 201 `{user, membership, access_token, refresh_token, token_type, expires_in}`.',
  })
  @ApiExtraModels(AcceptedInvitationResponse, AcceptedAsNewUserResponse)
  @ApiOkResponse({ type: AcceptedInvitationResponse, description: 'Accepted by the signed-in caller' })
  @ApiCreatedResponse({ type: AcceptedAsNewUserResponse, description: 'Accepted by a new account, now signed in' })
  @ApiErrors(401, new ForbiddenError('invitations:accept'), unknownToken(), alreadyAccepted(), alreadyMemberByEmail(), invitationExpired(EXAMPLE_ID), 422, 503)
  async acceptInvitation(
    @Ctx() ctx: RequestContext,
    @CurrentUser() caller: User | undefined,
    @Body() body: AcceptInvitationDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<AcceptedInvitationResponse | AcceptedAsNewUserResponse> {
    if (caller) return this.accepts.acceptAsCaller(ctx, caller, body.token);
    const { username, password } = requireAccountFields(body);
    const accepted = await this.accepts.acceptAsNewUser(ctx, body.token, { username, password, full_name: body.full_name });
    res.status(201);
    return accepted;
  }
}

/** Without a bearer token the body must open an account: `username` and `password` are then required. */
function requireAccountFields(body: AcceptInvitationDto): { username: string; password: string } {
  const missing = (['username', 'password'] as const).filter((field) => body[field] === undefined);
  if (missing.length > 0) {
    const input = { ...body };
    throw new RequestValidationError(maskSecrets(missing.map((field) => ({ type: 'missing', loc: ['body', field], msg: 'Field required', input }))));
  }
  return { username: body.username!, password: body.password! };
}
