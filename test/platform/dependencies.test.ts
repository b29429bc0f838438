import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, sourceFiles } from '../helpers/sourceFiles';

/**
 * The dependency rules of the layout, checked over every module's imports (type-only ones included):
 * no import cycles; workflow code imports only workflow code, the workflow SDK and types; a domain's logic
 * never imports an API module (routes depend on logic, not the reverse).
 */
const LAYERS = ['src', 'workflows', 'activities'];

interface Edge {
  to: string;
  typeOnly: boolean;
  specifier: string;
}

const IMPORT = /^\s*(import|export)\s+(type\s+)?[^'";]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm;

function importsOf(file: string): Edge[] {
  const text = readFileSync(file, 'utf8');
  const edges: Edge[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const specifier = m[3] ?? m[4]!;
    // `import type {…}`, or `import { type A, type B }` where every name is a type.
    const names = /\{([^}]*)\}/.exec(m[0])?.[1]?.split(',').map((n) => n.trim()).filter(Boolean);
    const typeOnly = Boolean(m[2]) || (m[1] === 'import' && !/^\s*import\s+\w/.test(m[0].replace(/^\s*import\s+type/, '')) && Boolean(names?.length) && names!.every((n) => n.startsWith('type ')));
    edges.push({ to: resolve(file, specifier), typeOnly, specifier });
  }
  return edges;
}

function resolve(from: string, specifier: string): string {
  if (!specifier.startsWith('.')) return specifier;
  const base = path.resolve(path.dirname(from), specifier);
  for (const candidate of [`${base}.ts`, path.join(base, 'index.ts')]) if (existsSync(candidate)) return candidate;
  return base;
}

const files = LAYERS.flatMap(sourceFiles);
const graph = new Map(files.map((f) => [f, importsOf(f)]));
const rel = (f: string) => path.relative(ROOT, f);

test('no import cycles, type-only imports included', () => {
  const cycles: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'visiting');
    stack.push(file);
    for (const { to } of graph.get(file) ?? []) {
      if (!graph.has(to)) continue;
      if (state.get(to) === 'visiting') cycles.push([...stack.slice(stack.indexOf(to)), to].map(rel).join(' → '));
      else if (!state.has(to)) visit(to);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of files) if (!state.has(file)) visit(file);
  expect(cycles).toEqual([]);
});

test('workflow code imports only workflow code, the workflow SDK, and types', () => {
  const allowedPackages = new Set(['@temporalio/workflow', '@temporalio/common']);
  const offending = files
    .filter((f) => rel(f).startsWith('workflows/'))
    .flatMap((f) =>
      graph.get(f)!.filter((e) => !e.typeOnly && !(e.to.startsWith(path.join(ROOT, 'workflows')) || allowedPackages.has(e.specifier))).map((e) => `${rel(f)} imports ${e.specifier}`),
    );
  expect(offending).toEqual([]);
});

test("a domain's logic never imports an API module", () => {
  const isApi = (f: string) => /\/api\//.test(rel(f)) || rel(f) === 'src/app.ts';
  const offending = files
    .filter((f) => /^src\/(calls|booking|billing|notifications|privacy|accounts)\//.test(rel(f)) && !isApi(f) && !rel(f).endsWith('/domain.ts'))
    .flatMap((f) => graph.get(f)!.filter((e) => graph.has(e.to) && isApi(e.to)).map((e) => `${rel(f)} imports ${rel(e.to)}`));
  expect(offending).toEqual([]);
});

test('the checks can fail: they see a cycle and a runtime import where there is one', () => {
  // The parser reads both kinds of import, so the rules above are not vacuous.
  const call = graph.get(path.join(ROOT, 'workflows/calls/call.ts'))!;
  expect(call.some((e) => e.typeOnly && e.specifier.includes('activities'))).toBe(true);
  expect(call.some((e) => !e.typeOnly && e.specifier === '@temporalio/workflow')).toBe(true);
  expect(files.length).toBeGreaterThan(150);
});
