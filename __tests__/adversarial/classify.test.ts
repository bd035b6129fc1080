// The adversarial suites' judge must itself catch what it is there to catch: a changed byte beyond a version.
import { looksLikeStack, onlyVersionsChanged } from './classify.js';

test.each([
  ['a version replaced', 'image: a:1.0\nx: 1\n', 'image: a:1.1\nx: 1\n', true],
  ['a version line inserted', '- name: a\n  n]ewTag: "1"\n', '- name: a\n  n]ewTag: "1"\n  newTag: 1.1\n', true],
  ['another byte on the line', 'image: a:1.0\n', 'image: b:1.1\n', false],
  ['another line changed', 'image: a:1.0\nx: 1\n', 'image: a:1.1\nx: 2\n', false],
  ['a line lost', 'image: a:1.0\nx: 1\n', 'image: a:1.1\n', false],
  ['a comment dropped', 'image: a:1.0 # keep\n', 'image: a:1.1\n', false],
])('%s: onlyVersionsChanged is %s', (_name, before, after, expected) => {
  expect(onlyVersionsChanged(before, after, [{ line: 1, old: '1.0', new: '1.1' }])).toBe(expected);
});

test('a Node stack and "failed unexpectedly" count as stack traces; a usage line does not', () => {
  expect(looksLikeStack('TypeError: x\n    at run (file.js:1:2)')).toBe(true);
  expect(looksLikeStack('stagecoach: Stagecoach failed unexpectedly: boom')).toBe(true);
  expect(looksLikeStack('stagecoach: promote from dev to production skips staging')).toBe(false);
});
