// "Did you mean": the closest known word.
import { suggest } from '../../../src/core/config/index.js';

describe('suggest', () => {
  test('suggest: case, separators and small typos; nothing for unrelated words', () => {
    expect(suggest('auto_merge', ['autoMerge', 'draft'])).toBe('autoMerge');
    expect(suggest('lables', ['labels', 'reviewers'])).toBe('labels');
    expect(suggest('colour', ['stages', 'files', 'fields', 'images'])).toBeUndefined();
  });
});
