// Property-based: hostile file names and contents read back as themselves from the working tree and from a commit, and
// writes change exactly the bytes asked for; a hostile environment never reaches a gate command or its published output.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { createGit } from '../../src/adapters/git.js';
import { createLocalFiles } from '../../src/adapters/local-files.js';
import { NotUtf8Error } from '../../src/adapters/repo-files.js';
import { forwardableEnvironment, maskSecrets, secretsToMask } from '../../src/engine/gates/commands-gate.js';

/** A path segment git and the file system accept: anything but `/`, NUL, `.`/`..` and `.git`. */
const segment = fc
  .string({
    unit: fc.oneof(
      fc.constantFrom('\n', '\t', ' ', '*', '?', '[', ']', '-', '"', "'", '$', '`', '\r', ':', '~', '#'),
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
    ),
    minLength: 1,
    maxLength: 12,
  })
  .filter(
    (text) =>
      !text.includes('/') &&
      !text.includes('\0') &&
      !text.includes('\\') &&
      text !== '.' &&
      text !== '..' &&
      text.toLowerCase() !== '.git',
  );
const relativePath = fc.array(segment, { minLength: 1, maxLength: 3 }).map((parts) => `envs/${parts.join('/')}`);
const bytes = fc.uint8Array({ maxLength: 200 });

function commitTree(root: string): void {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: root });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('-c', 'user.name=T', '-c', 'user.email=t@example.invalid', 'commit', '-q', '--allow-empty', '-m', 'tree');
}

test('hostile names and bytes: local files and a commit list the same files and read the same text, or both refuse it as not UTF-8', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.uniqueArray(fc.tuple(relativePath, bytes), { minLength: 1, maxLength: 6, selector: ([file]) => file }),
      async (entries) => {
        const root = mkdtempSync(path.join(tmpdir(), 'stagecoach-hostile-'));
        // A name may also be a folder of another: keep the ones that fit in one tree.
        const written = new Map<string, Uint8Array>();
        for (const [file, content] of entries) {
          try {
            mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
            writeFileSync(path.join(root, file), content);
            written.set(file, content);
          } catch {
            // a file already stands where this one needs a folder, or the reverse
          }
        }
        const survivors = [...written].filter(([file]) => {
          try {
            return readFileSync(path.join(root, file)).length >= 0;
          } catch {
            return false;
          }
        });
        commitTree(root);
        const local = createLocalFiles(root);
        const atHead = createGit(root).filesAt('HEAD');
        const listed = await local.list('envs');
        expect(await atHead.list('envs')).toEqual(listed);
        expect(listed).toEqual(survivors.map(([file]) => file).sort());
        for (const [file, content] of survivors) {
          const valid = (() => {
            try {
              new TextDecoder('utf-8', { fatal: true }).decode(content);
              return true;
            } catch {
              return false;
            }
          })();
          if (valid) {
            const text = Buffer.from(content).toString('utf8');
            expect(await local.read(file)).toBe(text);
            expect(await atHead.read(file)).toBe(text);
          } else {
            await expect(local.read(file)).rejects.toThrow(NotUtf8Error);
            await expect(atHead.read(file)).rejects.toThrow(NotUtf8Error);
          }
        }
      },
    ),
    { numRuns: 25 },
  );
}, 300_000);

test('writeAll changes exactly the bytes asked for, under any name, and nothing else', async () => {
  await fc.assert(
    fc.asyncProperty(relativePath, relativePath, fc.string({ unit: 'grapheme' }), async (target, other, text) => {
      fc.pre(target !== other && !other.startsWith(`${target}/`) && !target.startsWith(`${other}/`));
      const root = mkdtempSync(path.join(tmpdir(), 'stagecoach-hostile-write-'));
      for (const file of [target, other]) {
        mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
        writeFileSync(path.join(root, file), 'before\n');
      }
      const files = createLocalFiles(root);
      await files.read(target);
      await files.writeAll({ [target]: text });
      expect(readFileSync(path.join(root, target))).toEqual(Buffer.from(text, 'utf8'));
      expect(readFileSync(path.join(root, other), 'utf8')).toBe('before\n');
    }),
    { numRuns: 60 },
  );
});

const secretName = fc
  .tuple(
    fc.constantFrom('', 'MY_', 'CI_', 'APP_', 'x'),
    fc.constantFrom(
      'TOKEN',
      'SECRET',
      'PASSWORD',
      'PASS',
      'API_KEY',
      'PRIVATE_KEY',
      'WEBHOOK_URL',
      'DATABASE_URL',
      'DSN',
      'KUBECONFIG_DATA',
      'AUTH',
    ),
    fc.constantFrom('', '_1', '_VALUE'),
  )
  .map((parts) => parts.join(''));
// No `*`: masking writes `***`, which could otherwise spell another value.
const secretValue = fc
  .string({ minLength: 4, maxLength: 40 })
  .filter((value) => value.trim() === value && value.length >= 4 && !value.includes('*'));

test('a hostile environment: nothing outside the allowlist is passed on, and secret values never survive masking', () => {
  fc.assert(
    fc.property(
      fc.dictionary(fc.string({ minLength: 1, maxLength: 20 }), fc.string({ maxLength: 40 })),
      fc.dictionary(secretName, secretValue),
      fc.string(),
      (noise, secrets, output) => {
        const env = { ...noise, ...secrets };
        const passed = forwardableEnvironment(env);
        for (const name of Object.keys(passed))
          expect(
            /^(PATH|HOME|LANG|LANGUAGE|TMPDIR|CI|LC_.*|GITHUB_[A-Z_]+|RUNNER_[A-Z_]+|HTTPS?_PROXY|NO_PROXY|ALL_PROXY)$/i.test(
              name,
            ),
          ).toBe(true);
        for (const name of Object.keys(secrets)) expect(name in passed).toBe(false);
        const published = maskSecrets(`${output}${Object.values(secrets).join(' ')}${output}`, secretsToMask(env));
        for (const value of Object.values(secrets)) expect(published).not.toContain(value);
      },
    ),
    { numRuns: 2000 },
  );
});
