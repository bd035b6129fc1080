// The shell steps of .github/workflows/release.yml, run by bash as the runner would, against real git repositories:
// the version check, the release notes taken from CHANGELOG.md, and the move of the major tag.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';

const exec = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../..');

interface Step {
  name?: string;
  run?: string;
}

let steps: Step[];
let work: string;

beforeAll(async () => {
  const workflow = parse(await readFile(path.join(ROOT, '.github/workflows/release.yml'), 'utf8')) as {
    on: { push: { tags: string[] } };
    jobs: { release: { steps: Step[] } };
  };
  expect(workflow.on.push.tags).toEqual(['v[0-9]+.[0-9]+.[0-9]+']);
  steps = workflow.jobs.release.steps;
  work = await mkdtemp(path.join(tmpdir(), 'stagecoach-release-'));
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

function script(name: string): string {
  const step = steps.find((candidate) => candidate.name === name);
  if (!step?.run) throw new Error(`release.yml has no run step named "${name}"`);
  return step.run;
}

/** Runs a step's script as GitHub does for `run:` (bash -e, with the step's env). */
async function runStep(
  name: string,
  cwd: string,
  env: Record<string, string>,
): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await exec('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script(name)], {
      cwd,
      env: { PATH: process.env.PATH, HOME: work, GIT_CONFIG_NOSYSTEM: '1', ...env },
    });
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '' };
  }
}

async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await exec('git', args, {
    cwd,
    env: {
      PATH: process.env.PATH,
      HOME: work,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_AUTHOR_NAME: 'Release Test',
      GIT_AUTHOR_EMAIL: 'release@test.invalid',
      GIT_COMMITTER_NAME: 'Release Test',
      GIT_COMMITTER_EMAIL: 'release@test.invalid',
    },
  });
  return stdout.trim();
}

describe('the version check', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(work, 'version-'));
    await writeFile(path.join(dir, 'package.json'), '{ "name": "stagecoach", "version": "1.2.0" }\n');
    await writeFile(path.join(dir, 'CHANGELOG.md'), '# Changelog\n\n## [1.2.0]\n\n- things\n\n## [1.1.0]\n');
  });

  test('passes when the tag, package.json and CHANGELOG.md agree', async () => {
    expect((await runStep('The tag, package.json and CHANGELOG.md agree', dir, { TAG: 'v1.2.0' })).code).toBe(0);
  });

  test('fails with an annotation when package.json says another version', async () => {
    const result = await runStep('The tag, package.json and CHANGELOG.md agree', dir, { TAG: 'v1.3.0' });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('::error file=package.json::version is 1.2.0, the tag is v1.3.0');
  });

  test('fails when CHANGELOG.md has no section for the version', async () => {
    await writeFile(path.join(dir, 'package.json'), '{ "name": "stagecoach", "version": "1.1.1" }\n');
    const result = await runStep('The tag, package.json and CHANGELOG.md agree', dir, { TAG: 'v1.1.1' });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('::error file=CHANGELOG.md::no section "## [1.1.1]"');
  });
});

test("the release notes are the version's section of CHANGELOG.md", async () => {
  const dir = await mkdtemp(path.join(work, 'notes-'));
  await writeFile(
    path.join(dir, 'CHANGELOG.md'),
    '# Changelog\n\n## [Unreleased]\n\n- next\n\n## [1.2.0]\n\n### Fixed\n\n- a fix\n\n## [1.1.0]\n\n- older\n',
  );
  expect((await runStep('Release notes from CHANGELOG.md', dir, { TAG: 'v1.2.0' })).code).toBe(0);
  expect(await readFile(path.join(dir, 'release-notes.md'), 'utf8')).toBe('\n### Fixed\n\n- a fix\n\n');
});

describe('the major tag', () => {
  let origin: string;
  let clone: string;
  const commits: Record<string, string> = {};

  beforeAll(async () => {
    origin = await mkdtemp(path.join(work, 'origin-'));
    await git(origin, 'init', '--bare', '--quiet');
    clone = await mkdtemp(path.join(work, 'clone-'));
    await git(clone, 'init', '--quiet');
    await git(clone, 'remote', 'add', 'origin', origin);
    for (const version of ['1.0.0', '1.1.0', '1.0.1', '2.0.0']) {
      await writeFile(path.join(clone, 'version'), `${version}\n`);
      await git(clone, 'add', 'version');
      await git(clone, 'commit', '--quiet', '-m', version);
      commits[version] = await git(clone, 'rev-parse', 'HEAD');
      // Annotated, as release tags usually are: the major tag must point at the commit, not at the tag object.
      await git(clone, 'tag', '-a', `v${version}`, '-m', `v${version}`);
    }
    await git(clone, 'push', '--quiet', 'origin', '--all');
    await git(clone, 'push', '--quiet', 'origin', '--tags');
  });

  const remoteTag = (name: string): Promise<string> => git(origin, 'rev-parse', `refs/tags/${name}^{commit}`);

  test('a release moves vX to its commit', async () => {
    expect((await runStep('Move the major tag', clone, { TAG: 'v1.1.0' })).code).toBe(0);
    expect(await remoteTag('v1')).toBe(commits['1.1.0']);
    expect((await runStep('Move the major tag', clone, { TAG: 'v2.0.0' })).code).toBe(0);
    expect(await remoteTag('v2')).toBe(commits['2.0.0']);
    expect(await remoteTag('v1')).toBe(commits['1.1.0']);
  });

  test('a patch of an older minor line leaves vX on the newest release', async () => {
    const result = await runStep('Move the major tag', clone, { TAG: 'v1.0.1' });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('v1 stays on v1.1.0, which is newer than v1.0.1');
    expect(await remoteTag('v1')).toBe(commits['1.1.0']);
  });
});
