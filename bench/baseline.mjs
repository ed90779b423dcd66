// The ceiling the service is measured against: what a careful hand-written server does for the
// same two routes, with nothing else. Plain node:http, one pg pool, jsonwebtoken with a KeyObject,
// the same claim checks, the same "user exists and is active" query and the same JSON out.
import { createHmac, createSecretKey, randomUUID } from 'node:crypto';
import http from 'node:http';
import jwt from 'jsonwebtoken';
import pg from 'pg';

const env = process.env;
const key = createSecretKey(Buffer.from(env.JWT_SECRET, 'utf8'));
const verifyOptions = { algorithms: ['HS256'], issuer: env.JWT_ISSUER ?? 'identity-service', audience: env.JWT_AUDIENCE ?? 'identity-service' };
const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: Number(env.DB_POOL_SIZE ?? 10) });
const cursorKey = createHmac('sha256', env.JWT_SECRET).update('cursor').digest();

const COLUMNS = ['user_id', 'email', 'username', 'full_name', 'auth_provider', 'is_active', 'is_verified', 'roles',
  'avatar_url', 'bio', 'timezone', 'locale', 'preferences', 'settings', 'created_at', 'updated_at', 'last_login',
  'default_workspace_id'].map((c) => `u.${c}`).join(', ');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const SELECT_USER = `SELECT ${COLUMNS} FROM users u WHERE u.user_id = $1`;
const SELECT_SCOPE = `SELECT w.member_count, m.role FROM workspaces w
  LEFT JOIN workspace_members m ON m.workspace_id = w.workspace_id AND m.user_id = $2 WHERE w.workspace_id = $1`;
const SELECT_PAGE = `SELECT ${COLUMNS} FROM workspace_members m JOIN users u ON u.user_id = m.user_id
  WHERE m.workspace_id = $1 ORDER BY m.user_created_at, m.user_id LIMIT $2`;
const SELECT_PAGE_AFTER = `SELECT ${COLUMNS} FROM workspace_members m JOIN users u ON u.user_id = m.user_id
  WHERE m.workspace_id = $1 AND (m.user_created_at, m.user_id) > ($3, $4) ORDER BY m.user_created_at, m.user_id LIMIT $2`;

class HttpError extends Error {
  constructor(status, error, message) {
    super(message);
    this.status = status;
    this.error = error;
  }
}

async function authenticate(req) {
  const header = req.headers.authorization;
  if (!header?.startsWith('Bearer ')) throw new HttpError(401, 'AUTHENTICATION_FAILED', 'Authentication required');
  let payload;
  try {
    payload = jwt.verify(header.slice(7), key, verifyOptions);
  } catch {
    throw new HttpError(401, 'AUTHENTICATION_FAILED', 'Invalid token');
  }
  if (typeof payload.sub !== 'string' || !UUID.test(payload.sub) || typeof payload.jti !== 'string') {
    throw new HttpError(401, 'AUTHENTICATION_FAILED', 'Invalid token');
  }
  const { rows } = await pool.query(SELECT_USER, [payload.sub]);
  const user = rows[0];
  if (!user) throw new HttpError(401, 'AUTHENTICATION_FAILED', 'Invalid token');
  if (!user.is_active) throw new HttpError(401, 'AUTHENTICATION_FAILED', 'Account is disabled');
  return user;
}

async function listUsers(user, query) {
  const workspaceId = query.get('workspace_id');
  if (!workspaceId || !UUID.test(workspaceId)) throw new HttpError(422, 'VALIDATION', 'workspace_id');
  const limit = Number(query.get('limit') ?? 50);
  if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw new HttpError(422, 'VALIDATION', 'limit');
  const { rows: scope } = await pool.query(SELECT_SCOPE, [workspaceId, user.user_id]);
  if (!scope[0]) throw new HttpError(404, 'RESOURCE_NOT_FOUND', 'The requested resource was not found');
  if (!scope[0].role && !user.roles.includes('admin')) throw new HttpError(403, 'FORBIDDEN', "You don't have permission to perform this action");
  const cursor = query.get('cursor');
  const after = cursor ? decodeCursor(cursor, workspaceId) : undefined;
  const { rows } = after
    ? await pool.query(SELECT_PAGE_AFTER, [workspaceId, limit + 1, after[0], after[1]])
    : await pool.query(SELECT_PAGE, [workspaceId, limit + 1]);
  const hasMore = rows.length > limit;
  const users = hasMore ? rows.slice(0, limit) : rows;
  const last = users[users.length - 1];
  return {
    total: scope[0].member_count,
    has_more: hasMore,
    next_cursor: hasMore ? encodeCursor([last.created_at.toISOString(), last.user_id], workspaceId) : null,
    users,
  };
}

function encodeCursor(position, scope) {
  const payload = Buffer.from(JSON.stringify({ p: position, s: scope })).toString('base64url');
  return `${payload}.${createHmac('sha256', cursorKey).update(payload).digest('base64url').slice(0, 32)}`;
}

function decodeCursor(cursor, scope) {
  const [payload, signature] = cursor.split('.');
  const expected = createHmac('sha256', cursorKey).update(payload ?? '').digest('base64url').slice(0, 32);
  const parsed = signature === expected ? JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) : undefined;
  if (parsed?.s !== scope) throw new HttpError(422, 'VALIDATION', 'cursor');
  return parsed.p;
}

function send(res, status, body) {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(json), 'X-Request-ID': randomUUID() });
  res.end(json);
}

const server = http.createServer(async (req, res) => {
  try {
    const q = req.url.indexOf('?');
    const path = q < 0 ? req.url : req.url.slice(0, q);
    if (req.method === 'GET' && (path === '/health' || path === '/health/live')) return send(res, 200, { status: 'ok' });
    if (req.method === 'GET' && path === '/v1/users/me') return send(res, 200, await authenticate(req));
    if (req.method === 'GET' && path === '/v1/users') {
      const user = await authenticate(req);
      return send(res, 200, await listUsers(user, new URLSearchParams(q < 0 ? '' : req.url.slice(q + 1))));
    }
    send(res, 404, { error: 'RESOURCE_NOT_FOUND', message: 'The requested resource was not found', details: { resource_type: 'route', resource_id: path } });
  } catch (error) {
    if (error instanceof HttpError) {
      send(res, error.status, { error: error.error, message: error.message, details: {}, status_code: error.status });
    } else {
      send(res, 500, { error: 'INTERNAL_SERVER_ERROR', message: 'An unexpected error occurred', details: {}, status_code: 500 });
    }
  }
});
server.keepAliveTimeout = 5_000;
server.listen(Number(env.PORT ?? 8100), env.HOST ?? '127.0.0.1');

const shutdown = () => server.close(() => pool.end().then(() => process.exit(0)));
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
