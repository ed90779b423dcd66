import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS: under NodeNext its default import is the module object.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

export type OpenApiDocument = {
  paths: Record<string, Record<string, any>>;
  components?: { schemas?: Record<string, any> };
};

/** One response as the server sent it. */
export interface SentResponse {
  method: string;
  /** The request target as received (path and query). */
  url: string;
  status: number;
  contentType: string | undefined;
  body: string;
}

const ROOT = 'openapi.json';
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

export interface Operation {
  /** `GET /v1/users/{user_id}` */
  name: string;
  method: string;
  path: string;
  operation: any;
}

/** Every operation of the document, in document order. */
export function operationsOf(document: OpenApiDocument): Operation[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.filter((method) => item[method]).map((method) => ({ name: `${method.toUpperCase()} ${path}`, method, path, operation: item[method] })),
  );
}

/** The example bodies of a response: its one `example`, or each of its named `examples`, first shown first. */
export function examplesOf(response: any): any[] {
  const media = response?.content?.['application/json'];
  if (media?.example !== undefined) return [media.example];
  return Object.values<any>(media?.examples ?? {}).map((example) => example.value);
}

/**
 * Paths served on purpose without an operation in the document: the Swagger UI and its assets,
 * the document itself, the root (a redirect to the UI), and the Prometheus endpoint (text,
 * excluded from the API description).
 */
const UNDOCUMENTED_BY_DESIGN = [/^\/docs(\/.*)?$/, /^\/openapi\.json$/, /^\/$/, /^\/metrics$/];

interface PathTemplate {
  template: string;
  pattern: RegExp;
  /** Per segment, 0 for a literal and 1 for a parameter: literals win over parameters, left to right. */
  rank: number[];
}

/**
 * Checks responses against an OpenAPI 3.0 document: the request is matched to its operation (path
 * template and method), the status must be one the operation documents, and the body must match
 * the schema documented for that status. Object schemas are taken as closed: a property the
 * document does not name is a mismatch, so nothing leaks or drifts unnoticed.
 */
export class OpenApiResponseChecker {
  private readonly ajv: Ajv;
  private readonly templates: PathTemplate[];
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(private readonly document: OpenApiDocument) {
    this.ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(this.ajv);
    for (const name of ['int32', 'int64', 'float', 'double', 'byte', 'binary', 'password']) this.ajv.addFormat(name, true);
    const schemas = mapValues(document.components?.schemas ?? {}, (schema) => closeObjects(schema));
    this.ajv.addSchema({ components: { schemas } }, ROOT);
    this.templates = Object.keys(document.paths).map(compileTemplate).sort(bySpecificity);
  }

  /** A description of what is wrong with this response, or `undefined` when it matches. */
  check(response: SentResponse): string | undefined {
    const problem = this.problemOf(response);
    if (!problem) return undefined;
    return `${response.method} ${response.url} answered ${response.status}, which does not match the OpenAPI document: ${problem}\n  body: ${truncate(response.body)}`;
  }

  private problemOf(response: SentResponse): string | undefined {
    const path = normalizePath(response.url);
    const candidates = this.templates.filter((t) => t.pattern.test(path));
    const method = response.method.toLowerCase() === 'head' ? 'get' : response.method.toLowerCase();
    const template = candidates.find((t) => this.document.paths[t.template][method]);
    if (!template) return this.checkUndocumented(response, path, candidates.length > 0);
    const operation = this.document.paths[template.template][method];
    const label = `${method.toUpperCase()} ${template.template} (${operation.operationId ?? 'no operationId'})`;
    const documented = operation.responses?.[String(response.status)] ?? operation.responses?.[`${String(response.status)[0]}XX`] ?? operation.responses?.default;
    if (!documented) {
      return `status ${response.status} is not documented for ${label}; documented: ${Object.keys(operation.responses ?? {}).join(', ')}`;
    }
    if (response.method.toUpperCase() === 'HEAD') return undefined;
    return this.checkBody(response, documented.content, `${label} response ${response.status}`);
  }

  /** A path or method the document does not describe may only answer an error in the standard shape. */
  private checkUndocumented(response: SentResponse, path: string, pathKnown: boolean): string | undefined {
    const byDesign = UNDOCUMENTED_BY_DESIGN.some((p) => p.test(path));
    if (response.status < 400) {
      if (byDesign) return undefined;
      return pathKnown
        ? `${response.method} is not documented for this path, yet it answered with success`
        : 'no operation in the document matches this path, yet it answered with success (an undocumented route)';
    }
    if (byDesign && !isJson(response.contentType)) return undefined;
    const schema = { $ref: `#/components/schemas/${response.status === 422 ? 'ValidationErrorResponse' : 'ErrorResponse'}` };
    return this.checkBody(response, { 'application/json': { schema } }, `undocumented ${response.method} ${path}`);
  }

  private checkBody(response: SentResponse, content: Record<string, { schema?: unknown }> | undefined, label: string): string | undefined {
    if (!content || Object.keys(content).length === 0) {
      return response.body.length === 0 ? undefined : `${label} documents no body, yet one was sent`;
    }
    if (!isJson(response.contentType)) {
      const mediaType = response.contentType?.split(';')[0].trim();
      return mediaType && content[mediaType] ? undefined : `${label} documents ${Object.keys(content).join(', ')}, yet the body is ${mediaType ?? 'untyped'}`;
    }
    const schema = content['application/json']?.schema;
    if (!schema) return `${label} documents no JSON schema (media types: ${Object.keys(content).join(', ')})`;
    let body: unknown;
    try {
      body = JSON.parse(response.body);
    } catch {
      return `${label}: the body is not valid JSON`;
    }
    const validate = this.validatorFor(label, schema);
    if (!validate(body)) return `${label}: ${this.ajv.errorsText(validate.errors, { dataVar: 'body', separator: '; ' })}`;
    if (response.status >= 400 && isObject(body) && 'status_code' in body && body.status_code !== response.status) {
      return `${label}: status_code ${String(body.status_code)} differs from the HTTP status`;
    }
    return undefined;
  }

  /** Compiled once per operation and status (or per named schema), then reused. */
  private validatorFor(key: string, schema: unknown): ValidateFunction {
    const cacheKey = `${key} ${JSON.stringify(schema)}`;
    let validate = this.compiled.get(cacheKey);
    if (!validate) {
      validate = this.ajv.compile(rootRefs(closeObjects(schema)) as object);
      this.compiled.set(cacheKey, validate);
    }
    return validate;
  }
}

function compileTemplate(template: string): PathTemplate {
  const segments = template.split('/').filter(Boolean);
  const source = segments.map((s) => (/^\{[^}]+\}$/.test(s) ? '[^/]+' : escapeRegExp(s))).join('/');
  return { template, pattern: new RegExp(`^/${source}$`), rank: segments.map((s) => (s.startsWith('{') ? 1 : 0)) };
}

function bySpecificity(a: PathTemplate, b: PathTemplate): number {
  for (let i = 0; i < Math.min(a.rank.length, b.rank.length); i++) if (a.rank[i] !== b.rank[i]) return a.rank[i] - b.rank[i];
  return a.rank.length - b.rank.length;
}

/** The path of a request target, without query: routes match it exactly, trailing slash included. */
function normalizePath(url: string): string {
  return url.split('?')[0].split('#')[0] || '/';
}

/** `#/components/...` inside an operation's schema points into the registered document root. */
function rootRefs(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rootRefs);
  if (!isObject(schema)) return schema;
  return Object.fromEntries(
    Object.entries(schema).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? `${ROOT}${v}` : rootRefs(v)]),
  );
}

/**
 * An object schema that lists its properties and says nothing about others is closed here. Members
 * of `allOf` stay open, since each of them sees only part of the object.
 */
function closeObjects(schema: unknown, inAllOf = false): unknown {
  if (!isObject(schema)) return schema;
  const closed: Record<string, any> = { ...schema };
  for (const key of ['properties', 'patternProperties']) {
    if (isObject(closed[key])) closed[key] = mapValues(closed[key], (s) => closeObjects(s));
  }
  for (const key of ['items', 'additionalProperties', 'not']) {
    if (isObject(closed[key])) closed[key] = closeObjects(closed[key]);
  }
  for (const key of ['anyOf', 'oneOf', 'allOf']) {
    if (Array.isArray(closed[key])) closed[key] = closed[key].map((s: unknown) => closeObjects(s, key === 'allOf'));
  }
  if (!inAllOf && isObject(closed.properties) && closed.additionalProperties === undefined) closed.additionalProperties = false;
  return closed;
}

function mapValues(record: Record<string, unknown>, fn: (value: unknown) => unknown): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, fn(v)]));
}

function isJson(contentType: string | undefined): boolean {
  return !!contentType && /^application\/([\w.+-]+\+)?json\b/i.test(contentType.trim());
}

function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function truncate(text: string, max = 600): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text || '(empty)';
}
