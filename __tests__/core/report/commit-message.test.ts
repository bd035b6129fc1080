import {
  commitSubject,
  fitTitle,
  renderCommitMessage,
  shortNames,
  SUBJECT_MAX,
  TITLE_MAX,
} from '../../../src/core/report/commit-message.js';
import { makePlan } from '../../engine/publish-fixtures.js';

describe('commit subject', () => {
  it('names every image by its short name with old → new', () => {
    const plan = makePlan('dev', 'staging', [
      { file: 'staging/api.yaml', image: 'ghcr.io/acme/api', old: '1.4.0', new: '1.5.0' },
      { file: 'staging/web.yaml', image: 'ghcr.io/acme/web', old: '2.1.0', new: '2.2.0' },
    ]);
    expect(commitSubject(plan)).toBe('promote(staging): api 1.4.0 → 1.5.0, web 2.1.0 → 2.2.0');
  });

  it('shortens past 72 characters with "and N more", always naming one image', () => {
    const specs = Array.from({ length: 12 }, (_, index) => ({
      file: `staging/svc-${index}.yaml`,
      image: `ghcr.io/acme/service-number-${String(index).padStart(2, '0')}`,
      old: '1.4.0',
      new: '1.5.0',
    }));
    const subject = commitSubject(makePlan('dev', 'staging', specs));
    expect(subject).toBe('promote(staging): service-number-00 1.4.0 → 1.5.0 and 11 more');
    expect([...subject].length).toBeLessThanOrEqual(SUBJECT_MAX);
    const short = ['api', 'web', 'db', 'cache'].map((name) => ({
      file: `staging/${name}.yaml`,
      image: `ghcr.io/acme/${name}`,
      old: '10.4.0',
      new: '10.5.0',
    }));
    const two = commitSubject(makePlan('dev', 'staging', short));
    expect(two).toBe('promote(staging): api 10.4.0 → 10.5.0, cache 10.4.0 → 10.5.0 and 2 more');
    expect([...two].length).toBeLessThanOrEqual(SUBJECT_MAX);
  });

  it('abbreviates digests and lists several old versions once', () => {
    const digest = `sha256:${'ab'.repeat(32)}`;
    const plan = makePlan('dev', 'prod', [
      { file: 'prod/a.yaml', image: 'docker.io/library/nginx', old: '1.25', new: `1.27@${digest}` },
      { file: 'prod/b.yaml', image: 'docker.io/library/nginx', old: '1.26', new: `1.27@${digest}` },
    ]);
    expect(commitSubject(plan)).toBe('promote(prod): nginx 1.25, 1.26 → 1.27@sha256:abababababab');
  });

  it('disambiguates images with the same last segment', () => {
    const names = shortNames(['ghcr.io/a/api', 'ghcr.io/b/api', 'ghcr.io/a/web']);
    expect(names.get('ghcr.io/a/api')).toBe('a/api');
    expect(names.get('ghcr.io/b/api')).toBe('b/api');
    expect(names.get('ghcr.io/a/web')).toBe('web');
  });
});

describe('commit message', () => {
  it('has a line per change and the trailers last', () => {
    const plan = makePlan('dev', 'staging', [
      { file: 'staging/api.yaml', line: 12, image: 'ghcr.io/acme/api', old: '1.5.0', new: '1.4.0', downgrade: true },
      { file: 'staging/web.yaml', line: 3, image: 'ghcr.io/acme/web', old: '2.1.0', new: '2.2.0' },
    ]);
    const message = renderCommitMessage(plan, { 'Stagecoach-Plan': 'abc' });
    const [subject, blank, ...rest] = message.trimEnd().split('\n');
    expect(subject).toBe('promote(staging): api 1.5.0 → 1.4.0, web 2.1.0 → 2.2.0');
    expect(blank).toBe('');
    expect(rest).toEqual([
      'staging/api.yaml:12 ghcr.io/acme/api 1.5.0 → 1.4.0 (downgrade)',
      'staging/web.yaml:3 ghcr.io/acme/web 2.1.0 → 2.2.0',
      '',
      'Stagecoach-From: dev',
      'Stagecoach-To: staging',
      'Stagecoach-Plan: abc',
    ]);
  });

  it('keeps newlines from file paths out of the structure', () => {
    const plan = makePlan('dev', 'staging', [
      { file: 'staging/evil\nStagecoach-To: prod.yaml', image: 'ghcr.io/acme/api', old: '1', new: '2' },
    ]);
    const trailers = renderCommitMessage(plan)
      .split('\n')
      .filter((line) => line.startsWith('Stagecoach-To:'));
    expect(trailers).toEqual(['Stagecoach-To: staging']);
  });
});

describe('the subject as a pull request title (GitHub refuses more than 256 characters)', () => {
  it('names many old versions of one image by the oldest, the newest and their count', () => {
    const specs = Array.from({ length: 40 }, (_, index) => ({
      file: `staging/svc-${String(index).padStart(2, '0')}.yaml`,
      image: 'ghcr.io/acme/api',
      old: `1.${String(index).padStart(2, '0')}.0`,
      new: '2.0.0',
    }));
    const subject = commitSubject(makePlan('dev', 'staging', specs));
    expect(subject).toBe('promote(staging): api 1.00.0 … 1.39.0 (40 versions) → 2.0.0');
  });

  it('is cut to 256 characters whatever one image name holds', () => {
    const image = `ghcr.io/acme/${'x'.repeat(400)}`;
    const subject = commitSubject(makePlan('dev', 'staging', [{ file: 'a.yaml', image, old: '1.0.0', new: '2.0.0' }]));
    expect([...subject]).toHaveLength(TITLE_MAX);
    expect(subject.endsWith('…')).toBe(true);
    expect(
      renderCommitMessage(makePlan('dev', 'staging', [{ file: 'a.yaml', image, old: '1', new: '2' }])).split('\n')[0]
        .length,
    ).toBeLessThanOrEqual(TITLE_MAX);
  });

  it('fitTitle counts characters, never splits a surrogate pair, and keeps short titles', () => {
    expect(fitTitle('short')).toBe('short');
    const emoji = '🚀'.repeat(300);
    const cut = fitTitle(emoji);
    expect(cut.length).toBeLessThanOrEqual(TITLE_MAX);
    expect(cut).toBe(`${'🚀'.repeat(127)}…`);
    expect(fitTitle(`a\nb${'c'.repeat(300)}`).startsWith('a b')).toBe(true);
  });
});
