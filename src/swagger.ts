import { STATUS_CODES } from 'node:http';
import type { INestApplication, Type } from '@nestjs/common';
import { MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { Permission } from './access/permissions.js';
import { IS_PUBLIC_KEY } from './auth/public.decorator.js';
import { NotAsUserError } from './access/permission.guard.js';
import { ForbiddenError } from './common/errors/app-error.js';
import { documentConditions } from './common/http/conditional/openapi.js';
import { errorExample, errorResponseObject, namedExample, ErrorResponse, ValidationErrorItem, ValidationErrorResponse } from './common/openapi.js';

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
type OperationObject = NonNullable<OpenAPIObject['paths'][string]['get']>;

/** Bearer token, the OAuth2 password flow (they carry the same token) or an API key: any one authenticates. */
export const AUTHENTICATED_SECURITY: Record<string, string[]>[] = [{ bearer: [] }, { oauth2: [] }, { api_key: [] }];

/** `UsersController.getMe` → `usersGetMe`: unique across controllers, usable as a generated method name. */
export function operationIdOf(controllerKey: string, methodKey: string): string {
  const base = controllerKey.replace(/Controller$/, '');
  return base.charAt(0).toLowerCase() + base.slice(1) + methodKey.charAt(0).toUpperCase() + methodKey.slice(1);
}

/** The one tag of each controller, in the order the Swagger UI lists them. */
export const API_TAGS = [
  { name: 'auth', description: 'Log in, refresh and log out; verify an email address, reset a password, sign up; the key that verifies access tokens' },
  { name: 'users', description: 'User accounts: the caller, the users of a workspace, and platform administration' },
  { name: 'organizations', description: 'Organizations, the top of the tenancy: create, read, rename, delete' },
  { name: 'workspaces', description: 'Workspaces inside an organization' },
  { name: 'members', description: 'Who belongs to an organization or a workspace, and with which role' },
  { name: 'events', description: 'The events feed and the audit log: every change, in commit order' },
  { name: 'webhooks', description: 'Signed deliveries of events to your endpoints (Standard Webhooks)' },
  { name: 'invitations', description: 'Inviting someone by email to an organization or a workspace, and accepting' },
  { name: 'keys', description: 'Personal and organization API keys (`Authorization: Bearer idk_…`)' },
  { name: 'access', description: 'Effective permissions and the OpenID AuthZEN 1.0 evaluation API' },
  { name: 'health', description: 'Liveness and readiness probes' },
] as const;

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Identity and workspace-membership service')
    .setDescription('Users, organizations, workspaces, workspace members and authentication.')
    .setVersion('1.0.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token from `POST /v1/auth/login`' }, 'bearer')
    .addOAuth2(
      {
        type: 'oauth2',
        description: 'Log in with a username (or email) and a password',
        flows: { password: { tokenUrl: '/v1/auth/token', scopes: {} } },
      },
      'oauth2',
    )
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', bearerFormat: 'idk_…', description: 'An API key from `POST /v1/users/me/api-keys` or `POST /v1/orgs/{org_id}/api-keys`' },
      'api_key',
    );
  for (const tag of API_TAGS) builder.addTag(tag.name, tag.description);
  const config = builder.build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: operationIdOf,
    extraModels: [ErrorResponse, ValidationErrorResponse, ValidationErrorItem],
  });
  completeOperations(document, publicOperationIds(app));
  return document;
}

/** `GET /docs` (Swagger UI), `GET /openapi.json`, and `GET /` sending a browser to the docs. */
export function setupSwagger(app: INestApplication): void {
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'openapi.json',
    raw: ['json'],
    customCss: AUTHORIZE_DIALOG_CSS,
    // No badge fetched from an outside validator: the page loads nothing but its own origin.
    swaggerOptions: { persistAuthorization: true, validatorUrl: null },
  });
  // The root has nothing of its own: whoever opens the bare address lands on the docs. Registered
  // on the HTTP adapter, not as a controller, so it is no operation of the document.
  const http = app.getHttpAdapter();
  http.get('/', (_req: unknown, res: unknown) => http.redirect(res, 302, '/docs'));
}

/**
 * The password flow needs only a username and a password: the token endpoint takes no client
 * credentials and has no scopes, yet Swagger UI always offers client_id, client_secret, where to
 * send them, and a text about scopes.
 */
const AUTHORIZE_DIALOG_CSS = `
.auth-container .wrapper:has(> label[for="password_type"]),
.auth-container .wrapper:has(> label[for="client_id_password"]),
.auth-container .wrapper:has(> label[for="client_secret_password"]),
.auth-container .scope-def { display: none; }`;

/**
 * The operations whose handler is `@Public()`, read from the same metadata the global JWT guard
 * reads, so the document's security cannot disagree with what the guard enforces.
 */
function publicOperationIds(app: INestApplication): Set<string> {
  const reflector = new Reflector();
  const scanner = new MetadataScanner();
  const ids = new Set<string>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type | null;
      if (!controller?.prototype) continue;
      for (const method of scanner.getAllMethodNames(controller.prototype)) {
        const handler = controller.prototype[method] as () => unknown;
        if (reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, [handler, controller])) ids.add(operationIdOf(controller.name, method));
      }
    }
  }
  return ids;
}

/**
 * Adds what the global guards, pipe and filter make true of every operation, so no controller has
 * to repeat it: authenticated operations declare the bearer and OAuth2 schemes, 401 and 503 (the
 * caller is looked up in the database on every request); operations with parameters or a body can
 * answer 422, with a body 413 and 415; any operation can answer 500. Explicit declarations are kept.
 */
function completeOperations(document: OpenAPIObject, publicIds: Set<string>): void {
  for (const item of Object.values(document.paths)) {
    for (const method of HTTP_METHODS) {
      const operation = item[method] as OperationObject | undefined;
      if (!operation) continue;
      const statuses = [500];
      if (!publicIds.has(operation.operationId ?? '')) {
        operation.security ??= AUTHENTICATED_SECURITY.map((requirement) => ({ ...requirement }));
        if (!operation.security.some((requirement) => 'api_key' in requirement)) operation.security.push({ api_key: [] });
        // An operation without a declared permission is refused to an organization key.
        statuses.push(401, 403, 503);
      }
      if (operation.requestBody || (operation.parameters?.length ?? 0) > 0) statuses.push(422);
      if (operation.requestBody) statuses.push(413, 415);
      documentConditions(operation, method);
      for (const status of statuses) operation.responses[status] ??= errorResponseObject(status);
      if (!(operation as unknown as Record<string, unknown>)['x-required-permission']) showNotAsUser(operation);
      addErrorExamples(operation);
      describeResponses(operation);
      // The token travels through the security schemes; OpenAPI ignores an Authorization parameter,
      // yet the Swagger UI would still ask for one.
      operation.parameters = operation.parameters?.filter((p) => !('in' in p && p.in === 'header' && p.name.toLowerCase() === 'authorization'));
    }
  }
}

/**
 * Each error response shows a body of its own status: the ones the controller declared, else a
 * generic one; a 403 shows the operation's own permission first.
 */
function addErrorExamples(operation: OperationObject): void {
  const permission = (operation as unknown as Record<string, unknown>)['x-required-permission'] as Permission | undefined;
  const responses = operation.responses as Record<string, { description: string; content?: Record<string, Record<string, unknown>> }>;
  for (const [status, response] of Object.entries(responses)) {
    const media = response.content?.['application/json'];
    if (Number(status) < 400 || !media || media.example !== undefined) continue;
    const declared = media.examples as Record<string, { value: Record<string, unknown> }> | undefined;
    // Copies: decorators may share one response object between operations with other permissions.
    let shown: Record<string, unknown> = declared ? { examples: declared } : { example: errorExample(Number(status), permission) };
    if (declared && status === '403' && permission) shown = { examples: Object.fromEntries([namedExample(new ForbiddenError(permission)), ...Object.entries(declared)]) };
    responses[status] = { ...response, content: { ...response.content, 'application/json': { ...media, ...shown } } };
  }
}

/** The 403 of an operation without a declared permission: an organization key, which is no person, is refused it. */
function showNotAsUser(operation: OperationObject): void {
  const response = operation.responses['403'] as { content?: Record<string, Record<string, unknown>> } | undefined;
  const media = response?.content?.['application/json'];
  if (!media || media.example !== undefined || media.examples !== undefined) return;
  media.example = namedExample(new NotAsUserError())[1].value;
}

/** A response without a description (the plugin leaves success ones empty) gets its reason phrase. */
function describeResponses(operation: OperationObject): void {
  for (const [status, response] of Object.entries(operation.responses)) {
    if (response && 'description' in response && !response.description) response.description = STATUS_CODES[Number(status)] ?? 'Response';
  }
}
