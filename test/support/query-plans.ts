import pg from 'pg';
import type { DataSource } from 'typeorm';
import { BACKGROUND_POLL } from './app.js';

/** One statement as it reached PostgreSQL, with the parameters it was bound with. */
export interface SentStatement {
  text: string;
  values: unknown[];
}

/** A node of an `EXPLAIN (FORMAT JSON)` plan, reduced to what the assertions read. */
export interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

export interface ExplainedStatement extends SentStatement {
  plan: PlanNode;
}

/**
 * Like `recordQueries` (and leaving out the same background statements), but keeps each statement's parameters too, so that it can be explained
 * with the values the planner saw (a custom plan, as an unnamed statement gets).
 */
export async function recordStatements<T>(run: () => Promise<T>): Promise<{ result: T; sent: SentStatement[] }> {
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  const sent: SentStatement[] = [];
  proto.query = function (this: unknown, query: unknown, ...rest: unknown[]) {
    const text = typeof query === 'string' ? query : String((query as { text?: unknown }).text);
    if (BACKGROUND_POLL.test(text)) return original.call(this, query, ...rest);
    if (typeof query === 'string') sent.push({ text: query, values: Array.isArray(rest[0]) ? rest[0] : [] });
    else {
      const config = query as { text?: string; values?: unknown[] };
      sent.push({ text: String(config.text), values: config.values ?? (Array.isArray(rest[0]) ? rest[0] : []) });
    }
    return original.call(this, query, ...rest);
  };
  try {
    return { result: await run(), sent };
  } finally {
    proto.query = original;
  }
}

const TRANSACTION_CONTROL = /^\s*(START TRANSACTION|BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b/i;
const SETTING = /^\s*SET\b/i;

/**
 * Explains every statement of `sent` in one transaction, in the order they were sent: `SET`
 * statements (a method's `SET LOCAL enable_seqscan = off`) are run, so the statements after them
 * are planned under the same settings; the rest are explained, never executed.
 */
export async function explainAll(db: DataSource, sent: SentStatement[]): Promise<ExplainedStatement[]> {
  const runner = db.createQueryRunner();
  const explained: ExplainedStatement[] = [];
  try {
    await runner.startTransaction();
    for (const statement of sent) {
      if (TRANSACTION_CONTROL.test(statement.text)) continue;
      if (SETTING.test(statement.text)) {
        await runner.query(statement.text);
        continue;
      }
      const [row] = await runner.query(`EXPLAIN (FORMAT JSON) ${statement.text}`, statement.values);
      explained.push({ ...statement, plan: row['QUERY PLAN'][0].Plan });
    }
  } finally {
    if (runner.isTransactionActive) await runner.rollbackTransaction();
    await runner.release();
  }
  return explained;
}

/** Every node of the plan, depth first (subplans and init plans included). */
export function planNodes(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(planNodes)];
}

export function indexesOf(plan: PlanNode): string[] {
  return planNodes(plan).flatMap((n) => (n['Index Name'] ? [n['Index Name']] : []));
}

/** The tables the plan reads with a sequential scan. */
export function seqScannedTables(plan: PlanNode): string[] {
  return planNodes(plan).flatMap((n) => (n['Node Type'] === 'Seq Scan' ? [n['Relation Name'] ?? '?'] : []));
}

/** The plan as an indented outline, for a failure message. */
export function outline(node: PlanNode, depth = 0): string {
  const on = [node['Relation Name'] && `on ${node['Relation Name']}`, node['Index Name'] && `using ${node['Index Name']}`].filter(Boolean).join(' ');
  const head = `${'  '.repeat(depth)}${node['Node Type']}${on ? ` ${on}` : ''}`;
  return [head, ...(node.Plans ?? []).map((child) => outline(child, depth + 1))].join('\n');
}
