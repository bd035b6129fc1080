// No import circle in src/, type-only imports included (issue 8): config ↔ tag-policy and scan ↔ scan/fields were the
// last two; the shared types now live with their owner (TagPolicy in tag-policy.ts, FieldRule in config/fields.ts).
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const src = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'src');

function sources(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sources(join(folder, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(folder, entry.name)]
        : [],
  );
}

/** Each file's relative imports and re-exports (static ones: `import`/`export ... from`, `import type` too). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sources(src)) {
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(/^(?:import|export)\s[^;]*?\sfrom\s+'(\.[^']+)'/gms)].map((m) =>
      join(dirname(file), m[1].replace(/\.js$/, '.ts')),
    );
    graph.set(file, targets);
  }
  return graph;
}

/** Every circle, as the files along it (depth-first search; a circle is reported once, from where it was entered). */
function circles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    path.push(file);
    for (const next of graph.get(file) ?? []) {
      if (!graph.has(next)) continue;
      if (state.get(next) === 'open') found.push([...path.slice(path.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return found;
}

test('the graph is read: the config index imports its parts', () => {
  const graph = importGraph();
  expect(graph.get(join(src, 'core/config/index.ts'))).toContain(join(src, 'core/config/stages.ts'));
  expect(graph.get(join(src, 'core/scan/fields.ts'))).toContain(join(src, 'core/config/fields.ts'));
});

test('no file of src/ imports itself through others', () => {
  expect(circles(importGraph()).map((circle) => circle.map((file) => relative(src, file)).join(' → '))).toEqual([]);
});

test('a circle is found when there is one', () => {
  const graph = new Map([
    ['/a.ts', ['/b.ts']],
    ['/b.ts', ['/c.ts']],
    ['/c.ts', ['/a.ts', '/outside.ts']],
  ]);
  expect(circles(graph)).toEqual([['/a.ts', '/b.ts', '/c.ts', '/a.ts']]);
});
