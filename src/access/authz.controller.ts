import { applyDecorators, Body, Controller, Get, Header, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOAuth2, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { Public } from '../auth/public.decorator.js';
import { ForbiddenError } from '../common/errors/app-error.js';
import { ApiErrors, notFoundExample } from '../common/openapi.js';
import type { User } from '../database/entities/user.entity.js';
import { ReadsOnly } from '../database/replicas/reads-only.js';
import { MemberParamsDto } from '../members/member.dto.js';
import { AnyPrincipal } from './allow-self.decorator.js';
import { AuthzService, questionsOf } from './authz.service.js';
import {
  DecisionResponse,
  DecisionsResponse,
  EffectivePermissionsResponse,
  EvaluationRequest,
  EvaluationsRequest,
  PermissionsQuery,
} from './evaluation.dto.js';
import { RequirePermission } from './permission.decorator.js';
import { Idempotent } from '../common/http/conditional/decorators.js';

const ABOUT_OTHERS = new ForbiddenError('authz:check');

/**
 * Asking changes nothing: it answers 200 and reads as a GET does (`@ReadsOnly()`); the service itself
 * decides who may ask about whom, an organization key included.
 */
function EvaluationRoute(): MethodDecorator {
  return applyDecorators(
    Idempotent(),
    ReadsOnly(),
    HttpCode(200),
    AnyPrincipal(),
    // The order applied is the order of the security list: these operations have always put `oauth2` first.
    ApiOAuth2([], 'oauth2'),
    ApiBearerAuth('bearer'),
    ApiErrors(ABOUT_OTHERS, 422),
  );
}

/** The OpenID AuthZEN 1.0 evaluation API: the permission guard's decisions, asked in advance. */
@ApiTags('access')
@Controller('access/v1')
export class EvaluationController {
  constructor(private readonly authz: AuthzService) {}

  @Post('evaluation')
  @EvaluationRoute()
  @ApiOperation({
    summary: 'May this user do this on this workspace or organization?',
    description: 'Exactly what the permission guard would decide for that user. About anyone but oneself needs `authz:check`.',
  })
  @ApiOkResponse({ type: DecisionResponse })
  async evaluation(@CurrentUser() caller: User, @Body() body: EvaluationRequest): Promise<DecisionResponse> {
    const [decision] = await this.authz.evaluate(caller, [{ subject: body.subject, permission: body.action.name, resource: body.resource }]);
    return { decision };
  }

  @Post('evaluations')
  @EvaluationRoute()
  @ApiOperation({
    summary: 'Up to 50 evaluations at once, answered in order',
    description: 'Top-level `subject`, `action` and `resource` are defaults that each item may override. One query for the whole batch.',
  })
  @ApiOkResponse({ type: DecisionsResponse })
  async evaluations(@CurrentUser() caller: User, @Body() body: EvaluationsRequest): Promise<DecisionsResponse> {
    const decisions = await this.authz.evaluate(caller, questionsOf(body));
    return { evaluations: decisions.map((decision) => ({ decision })) };
  }
}

/** AuthZEN's discovery document. */
@ApiTags('access')
@Public()
@Controller('.well-known')
export class AuthzenConfigurationController {
  @Get('authzen-configuration')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({ summary: 'AuthZEN policy decision point metadata' })
  @ApiOkResponse({
    schema: {
      type: 'object',
      required: ['policy_decision_point', 'access_evaluation_endpoint', 'access_evaluations_endpoint'],
      properties: {
        policy_decision_point: { type: 'string', format: 'uri' },
        access_evaluation_endpoint: { type: 'string', format: 'uri' },
        access_evaluations_endpoint: { type: 'string', format: 'uri' },
      },
    },
  })
  configuration(@Req() req: Request): Record<string, string> {
    const base = `${req.protocol}://${req.get('host')}`;
    return { policy_decision_point: base, access_evaluation_endpoint: `${base}/access/v1/evaluation`, access_evaluations_endpoint: `${base}/access/v1/evaluations` };
  }
}

/** What a user may do where: listed by the same rules the permission guard applies. */
@ApiTags('access')
@Controller('v1')
export class EffectivePermissionsController {
  constructor(private readonly authz: AuthzService) {}

  @Get('users/me/permissions')
  @ApiBearerAuth('bearer')
  @ApiOAuth2([], 'oauth2')
  @ApiOperation({ summary: 'My effective permissions in an organization or a workspace (or on the platform, with neither)' })
  @ApiOkResponse({ type: EffectivePermissionsResponse })
  @ApiErrors(notFoundExample('organization'), notFoundExample('workspace'), 422)
  mine(@CurrentUser() caller: User, @Query() query: PermissionsQuery): Promise<EffectivePermissionsResponse> {
    return this.authz.mine(caller, { orgId: query.org_id, workspaceId: query.workspace_id });
  }

  @Get('orgs/:org_id/workspaces/:workspace_id/members/:member_user_id/permissions')
  @RequirePermission('members:read')
  @ApiOperation({ summary: "A member's effective permissions in the workspace" })
  @ApiOkResponse({ type: EffectivePermissionsResponse })
  @ApiErrors(notFoundExample('member'), notFoundExample('workspace'), notFoundExample('organization'), 422)
  member(@Param() params: MemberParamsDto): Promise<EffectivePermissionsResponse> {
    return this.authz.ofMember(params.org_id.toLowerCase(), params.workspace_id.toLowerCase(), params.member_user_id);
  }
}
