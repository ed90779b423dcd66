/** The issue's targets, checked against one run's figures; each says what it compared. */
export function evaluateTargets(r) {
  const sizes = r.sizes;
  const small = sizes[0];
  const large = sizes[sizes.length - 1];
  // A scenario whose first answer was wrong (a 404 from a missing route) measures nothing.
  const row = (entry, name) => entry?.rows.find((x) => x.scenario === name && x.check === 'ok');
  const targets = [];
  const add = (name, value, limit, { floor, higherIsBetter = false, note } = {}) => {
    if (value === null || value === undefined || Number.isNaN(value)) {
      targets.push({ name, value: null, limit, higherIsBetter, status: 'n/a', note });
      return;
    }
    const meets = higherIsBetter ? value >= limit : value <= limit;
    const aboveFloor = floor !== undefined && (higherIsBetter ? value >= floor : value <= floor);
    targets.push({ name, value, limit, floor, higherIsBetter, status: meets ? 'met' : aboveFloor ? 'floor' : 'missed', note });
  };

  const me = row(large, 'users/me');
  add('users/me req/s vs baseline', ratio(me?.service?.rps, me?.baseline?.rps), 0.8, { floor: 0.5, higherIsBetter: true, note: `at ${label(large?.size)}` });
  add('users/me p99 vs baseline', ratio(me?.service?.p99, me?.baseline?.p99), 1.5, { note: `at ${label(large?.size)}` });
  add(`list deep vs page 1 p50 at ${label(large?.size)}`, ratio(row(large, 'users list deep')?.service?.p50, row(large, 'users list p1')?.service?.p50), 1.3);
  if (sizes.length > 1) {
    for (const name of ['users list p1', 'search selective', 'search unselective', 'members p1']) {
      add(`${name} p50 ${label(large.size)} vs ${label(small.size)}`, ratio(row(large, name)?.service?.p50, row(small, name)?.service?.p50), 2);
    }
  }
  const loginWorks = r.login?.alone.check === 'ok' && row(large, 'users/me');
  add('users/me p99 login storm vs rest', loginWorks ? ratio(r.login.storm.p99, r.login.rest.p99) : null, 3, {
    // Open-loop at 200 req/s: if the storm slows the service below that, the p99 alone flatters it.
    note: r.login ? `served ${num(r.login.storm.rps, 0)} of 200 req/s in the storm, ${num(r.login.rest.rps, 0)} at rest` : undefined,
  });
  const peak = Math.max(...sizes.map((s) => s.rss?.during ?? 0), r.soak?.peak ?? 0);
  add('RSS under load (MB)', peak || null, 250, { note: 'peak of the GET scenarios and the soak' });
  if (r.login?.rssPeak) add('RSS during logins (MB)', r.login.rssPeak, 250);
  if (r.soak) add(`RSS growth over ${r.soak.seconds} s soak`, r.soak.growth, 0.1);
  return targets;
}

export function printReport(r) {
  const lines = [];
  const m = r.meta;
  lines.push(`identity-service bench · ${m.mode} · ${m.date} · commit ${m.commit ?? '?'} · node ${m.node} · ${m.cpus} cpus · load ${m.loadavgStart.map((x) => x.toFixed(2)).join(' ')} → ${m.loadavgEnd.map((x) => x.toFixed(2)).join(' ')}`);
  lines.push(`${m.command} · ${m.connections} connections · ${m.duration} s per scenario`);
  lines.push('');
  const table = [['size', 'scenario', 'req/s', 'p50 ms', 'p99 ms', 'cpu µs/req', 'base req/s', 'base p99', 'base cpu', '× req/s', '× p99', '× cpu', 'non-2xx', 'check']];
  const line = (size, name, x, b, check = '', rpsDigits = 0) => [label(size), name, num(x.rps, rpsDigits), num(x.p50), num(x.p99), num(x.cpuUsPerRequest, 0),
    b ? num(b.rps, 0) : '', b ? num(b.p99) : '', b ? num(b.cpuUsPerRequest, 0) : '',
    b ? num(ratio(x.rps, b.rps)) : '', b ? num(ratio(x.p99, b.p99)) : '', b ? num(ratio(x.cpuUsPerRequest, b.cpuUsPerRequest)) : '',
    String(x.non2xx + x.errors), check];
  for (const s of r.sizes) for (const row of s.rows) table.push(line(s.size, row.scenario, row.service, row.baseline, row.check));
  const largest = r.sizes[r.sizes.length - 1]?.size;
  if (r.login) {
    const l = r.login;
    table.push(line(largest, 'login (8 conns)', l.alone, undefined, l.alone.check, 1));
    table.push(line(largest, 'users/me @200/s at rest', l.rest));
    table.push(line(largest, 'users/me @200/s in storm', l.storm));
    table.push(line(largest, 'login during storm', l.loginDuringStorm, undefined, '', 1));
  }
  if (r.soak) table.push(line(largest, `soak mix ${r.soak.seconds} s`, r.soak.result));
  lines.push(...formatTable(table));
  lines.push('');
  lines.push('RSS (MB)   service before / peak during / after · baseline before / peak');
  for (const s of r.sizes) {
    const x = s.rss ?? {};
    lines.push(`  ${label(s.size).padEnd(8)} ${num(x.before, 0)} / ${num(x.during, 0)} / ${num(x.after, 0)} · ${num(x.baselineBefore, 0)} / ${num(x.baselineDuring, 0)}   (seeded in ${num(s.seedSeconds, 1)} s)`);
  }
  if (r.login?.rssPeak) lines.push(`  logins   peak ${num(r.login.rssPeak, 0)} (login alone, then users/me beside a login storm)`);
  if (r.soak) lines.push(`  soak     settled ${num(r.soak.settled, 0)} → end ${num(r.soak.end, 0)} (${num(r.soak.growth * 100, 1)} %), peak ${num(r.soak.peak, 0)}, after ${num(r.soak.after, 0)}`);
  lines.push('');
  lines.push('targets');
  for (const t of r.targets) {
    const mark = { met: 'MET   ', floor: 'FLOOR ', missed: 'MISSED', 'n/a': 'n/a   ' }[t.status];
    const value = t.value === null ? '-' : num(t.value);
    lines.push(`  ${mark} ${t.name}${t.note ? ` (${t.note})` : ''}: ${value} (target ${t.higherIsBetter ? '≥' : ''}${t.limit}${t.floor !== undefined ? `, floor ${t.floor}` : ''})`);
  }
  console.log(lines.join('\n'));
}

function formatTable(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  const right = new Set([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  return rows.map((r, n) => {
    const cells = r.map((c, i) => (right.has(i) && n > 0 ? String(c).padStart(widths[i]) : String(c).padEnd(widths[i])));
    return cells.join('  ').trimEnd();
  });
}

const ratio = (a, b) => (a === null || a === undefined || !b ? null : a / b);
const num = (x, digits = 2) => (x === null || x === undefined || Number.isNaN(x) ? '-' : x.toFixed(digits));
export const label = (n) => (n === undefined ? '?' : n >= 1e6 ? `${n / 1e6}M` : n >= 1e3 ? `${n / 1e3}k` : String(n));
