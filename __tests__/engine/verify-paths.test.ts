// verify reads the base branch's files from git objects: hostile file names there must not let it read one file's bytes
// as another's (real git; the names are valid git paths).
import { createGit } from '../../src/adapters/git.js';
import { catFileBlobs } from '../../src/adapters/git-files.js';
import { verifyPullRequest } from '../../src/engine/verify.js';
import { createHistory } from '../support/git-history.js';
import { deploymentYaml } from '../support/manifests.js';

const T0 = 1_760_000_000;
const deployment = (version: string) => deploymentYaml(`ghcr.io/acme/api:${version}`);
const CONFIG = `stages:
  - name: dev
    path: envs/dev
  - name: staging
    path: envs/staging
  - name: production
    path: envs/production
`;

describe('verify and hostile paths on the base branch', () => {
  test('a path with a newline cannot shift another file onto the one upstream that vouches for a version', async () => {
    const history = createHistory();
    const base = history.commit(
      {
        'stagecoach.yaml': CONFIG,
        'envs/dev/api.yaml': deployment('1.1.0'),
        'envs/staging/api.yaml': deployment('1.1.0'),
        'envs/production/api.yaml': deployment('1.0.0'),
        // Sorted just before the file verify trusts: a newline in one name, unvetted bytes in a file it does not scan.
        'envs/staging/a\nb.txt': 'notes\n',
        'envs/staging/api.txt': deployment('6.6.6'),
      },
      'base with hostile names',
      T0,
    );
    history.git('switch', '-q', '-c', 'sneak', base);
    const head = history.commit({ 'envs/production/api.yaml': deployment('6.6.6') }, 'production 6.6.6', T0 + 60);
    const result = await verifyPullRequest({ git: createGit(history.dir), now: T0 + 120 }, { base, head });
    expect(result.passed).toBe(false);
    expect(result.changes).toEqual([
      expect.objectContaining({
        file: 'envs/production/api.yaml',
        new: '6.6.6',
        problems: ['staging runs 1.1.0, not 6.6.6: promote it to staging first, or fix the version'],
      }),
    ]);
  });

  test('files whose names hold newlines, spaces and glob characters read as themselves', async () => {
    const history = createHistory();
    const names = ['envs/dev/a\nb.yaml', 'envs/dev/a', 'envs/dev/b.yaml', 'envs/dev/sp ace.yaml', 'envs/dev/*.yaml'];
    const commit = history.commit(Object.fromEntries(names.map((name) => [name, `${name}\n`])), 'names', T0);
    const files = createGit(history.dir).filesAt(commit);
    expect(await files.list('envs/dev')).toEqual([...names].sort());
    for (const name of names) expect(await files.read(name)).toBe(`${name}\n`);
  });

  test('cat-file answers are checked against the object asked for: a mismatch fails closed', async () => {
    const history = createHistory();
    history.commit({ 'a.yaml': 'a\n' }, 'one', T0);
    const blob = history.git('rev-parse', 'HEAD:a.yaml');
    const tree = history.git('rev-parse', 'HEAD^{tree}');
    expect((await catFileBlobs(history.dir, [blob])).get(blob)?.toString()).toBe('a\n');
    await expect(catFileBlobs(history.dir, [tree])).rejects.toThrow(/asked for blob .*, got ".* tree \d+"/);
    await expect(catFileBlobs(history.dir, ['0'.repeat(40)])).rejects.toThrow(/got "0{40} missing"/);
    await expect(catFileBlobs(history.dir, ['HEAD:a.yaml'])).rejects.toThrow(/not an object id/);
  });
});
