import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DOMAINS } from '../../src/domains';
import { ROOT, sourceFiles } from '../helpers/sourceFiles';

/**
 * Where SQL lives: each domain's queries are in its own folders (`src/<domain>/`, `activities/<domain>/`),
 * and name only the tables it owns and the other domains' tables it declares it reads (`reads` in its
 * registration). Workflow code has none (it imports nothing that runs). The command-line tools and the
 * benchmark (`src/cli/`, `src/bench/`) seed and measure, and are not held to it.
 */
/** A table named in a query: `db('calls')`, `trx<Row>('calls as c')`, `.join('services as s', …)`, `.from('x')`. */
const TABLE = /\b(?:db|trx|tx|knex|tenant)\s*(?:<[^>()]*>)?\(\s*'([a-z_]+)(?: as \w+)?'\s*\)|\.(?:from|join|leftJoin|innerJoin|into|table)\(\s*'([a-z_]+)(?: as \w+)?'/g;

function tablesNamedIn(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(TABLE)].map((m) => (m[1] ?? m[2])!);
}

const domainOf = (file: string) => {
  const [layer, name, ...rest] = path.relative(ROOT, file).split(path.sep);
  if (layer === 'workflows') return 'workflows';
  return rest.length > 0 ? name : undefined; // files at src/ or activities/ root belong to no domain
};

const owner = new Map<string, string>();
for (const d of DOMAINS) for (const t of [...(d.tables ?? []).map((r) => r.table), ...(d.globalTables ?? [])]) owner.set(t, d.name);

const files = ['src', 'activities', 'workflows'].flatMap(sourceFiles).filter((f) => !/src\/(cli|bench)\//.test(f));
const named = new Map<string, Map<string, string[]>>(); // domain → table → files
for (const file of files) {
  const domain = domainOf(file) ?? 'none';
  for (const table of tablesNamedIn(file)) {
    const byTable = named.get(domain) ?? new Map<string, string[]>();
    byTable.set(table, [...(byTable.get(table) ?? []), path.relative(ROOT, file)]);
    named.set(domain, byTable);
  }
}

test('every table a query names is owned by a domain', () => {
  const unowned = [...named.values()].flatMap((byTable) => [...byTable.keys()]).filter((t) => !owner.has(t));
  expect([...new Set(unowned)]).toEqual([]);
});

test('no SQL in workflow code, nor outside a domain', () => {
  expect([...(named.get('workflows')?.entries() ?? [])]).toEqual([]);
  expect([...(named.get('none')?.entries() ?? [])]).toEqual([]);
});

test.each(DOMAINS.map((d) => d.name))("the %s domain's queries name its own tables and the ones it declares it reads, and it reads all it declares", (name) => {
  const domain = DOMAINS.find((d) => d.name === name)!;
  const declared = new Set(domain.reads ?? []);
  const byTable = named.get(name) ?? new Map<string, string[]>();
  const undeclared = [...byTable.entries()].filter(([t]) => owner.get(t) !== name && !declared.has(t)).map(([t, where]) => `${t} (${where.join(', ')})`);
  expect(undeclared).toEqual([]);
  const stale = [...declared].filter((t) => !byTable.has(t) || owner.get(t) === name);
  expect(stale).toEqual([]);
});

test('the check sees queries: a domain that declared nothing would be caught', () => {
  expect(named.get('calls')?.get('transcript_turns')?.length).toBeGreaterThan(0);
  expect(named.get('privacy')?.get('calls')?.length).toBeGreaterThan(0);
});
