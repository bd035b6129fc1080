import * as core from '@actions/core';
import { parseDocument } from 'yaml';
test('esm deps load', () => {
  expect(typeof core.setFailed).toBe('function');
  expect(parseDocument('a: 1').get('a')).toBe(1);
});
