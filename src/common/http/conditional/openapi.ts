import type { OpenAPIObject } from '@nestjs/swagger';
import { PreconditionFailedError, PreconditionRequiredError, type AppError } from '../../errors/app-error.js';
import { EXAMPLE_ID, errorResponseObject, namedExample } from '../../openapi.js';
import { idempotencyInProgress } from '../idempotency/idempotency-key.js';
import { CONDITIONAL_EXTENSION, IDEMPOTENT_EXTENSION } from './decorators.js';

type Operation = NonNullable<OpenAPIObject['paths'][string]['get']>;
type Responses = Record<string, { description: string; headers?: Record<string, unknown>; content?: Record<string, Record<string, unknown>> }>;

const STRING = { schema: { type: 'string' } };
const ETAG_HEADER = { ETag: { description: 'The strong tag of the resource as returned (changes with every change to it)', ...STRING } };
const EXAMPLE_ETAG = '"4"';

const HEADERS = {
  ifNoneMatch: {
    name: 'If-None-Match', in: 'header', required: false, ...STRING,
    description: 'A tag (or tags, or `*`) the client holds: when one is current, 304 with no body',
  },
  ifMatch: {
    name: 'If-Match', in: 'header', required: false, ...STRING,
    description: 'Change only if the resource still has this tag (`*`: any existing one; a weak tag never matches); else 412',
  },
  idempotencyKey: {
    name: 'Idempotency-Key', in: 'header', required: false, ...STRING,
    description: 'Up to 255 visible ASCII characters, bare or quoted: a retry with the same key and request replays the first outcome',
  },
};

/**
 * Completes a `@Conditional()` or `@Idempotent()` operation: the request headers (so the Swagger
 * UI can send them), the response headers, and the statuses they add (304, 412, 428; 409 and 422
 * for a key).
 */
export function documentConditions(operation: Operation, method: string): void {
  const extensions = operation as unknown as Record<string, unknown>;
  const responses = operation.responses as Responses;
  if (extensions[CONDITIONAL_EXTENSION]) (method === 'get' ? documentRead : documentWrite)(operation, responses);
  if (extensions[IDEMPOTENT_EXTENSION]) documentIdempotency(operation, responses);
}

function documentRead(operation: Operation, responses: Responses): void {
  addParameter(operation, HEADERS.ifNoneMatch);
  addSuccessHeaders(responses, ETAG_HEADER);
  responses['304'] = { description: 'Not modified: the tag sent in `If-None-Match` is current (no body)', headers: ETAG_HEADER };
}

function documentWrite(operation: Operation, responses: Responses): void {
  addParameter(operation, HEADERS.ifMatch);
  addSuccessHeaders(responses, ETAG_HEADER);
  addExample(responses, '412', new PreconditionFailedError('user', EXAMPLE_ID, EXAMPLE_ETAG), ['precondition_failed', 'If-Match names a tag that is no longer current']);
  responses['412'] = { ...responses['412'], headers: ETAG_HEADER };
  addExample(responses, '428', new PreconditionRequiredError(), ['precondition_required', 'Sent without If-Match while REQUIRE_IF_MATCH is on']);
}

function documentIdempotency(operation: Operation, responses: Responses): void {
  addParameter(operation, HEADERS.idempotencyKey);
  addSuccessHeaders(responses, {
    ...ETAG_HEADER,
    'Idempotent-Replayed': { description: '`true` when this is the stored outcome of an earlier request with the same key', ...STRING },
  });
  addExample(responses, '409', idempotencyInProgress());
  responses['409'] = { ...responses['409'], headers: { 'Retry-After': { description: 'On `idempotency_key_in_progress`: seconds to wait', ...STRING } } };
  const reused = { summary: 'The key was used for a different request', value: { detail: [REUSED] } };
  withExamples(responses, '422', { idempotency_key_reused: reused });
}

const REUSED = {
  type: 'idempotency_key_reused',
  loc: ['header', 'idempotency-key'],
  msg: 'Value error, this Idempotency-Key was used for a different request',
  input: 'c1a7e0e2-order-42',
};

function addParameter(operation: Operation, parameter: Record<string, unknown>): void {
  const parameters = (operation.parameters ??= []) as unknown as Record<string, unknown>[];
  if (!parameters.some((p) => p.in === 'header' && String(p.name).toLowerCase() === String(parameter.name).toLowerCase())) parameters.push({ ...parameter });
}

function addSuccessHeaders(responses: Responses, headers: Record<string, unknown>): void {
  for (const [status, response] of Object.entries(responses)) {
    if (/^2\d\d$/.test(status) && status !== '204') responses[status] = { ...response, headers: { ...response.headers, ...headers } };
  }
}

/** Adds the error as a named example of its status, creating the documented response when missing. */
function addExample(responses: Responses, status: string, error: AppError, named?: [string, string]): void {
  const [name, example] = namedExample(error);
  withExamples(responses, status, named ? { [named[0]]: { ...example, summary: named[1] } } : { [name]: example });
}

/** Copies, not edits: decorators may share one response object between operations. */
function withExamples(responses: Responses, status: string, added: Record<string, unknown>): void {
  const response = responses[status] ?? errorResponseObject(Number(status));
  const media = response.content!['application/json'];
  const examples = { ...((media.examples as Record<string, unknown> | undefined) ?? {}), ...added };
  responses[status] = { ...response, content: { ...response.content, 'application/json': { ...media, examples } } };
}
