// charts: opting in to Helm chart versions as a second kind of artifact.
import { parseConfig } from '../../../src/core/config/index.js';
import { problems, twoStages } from './helpers.js';

describe('parseConfig: charts', () => {
  test('off by default, on with charts: true', () => {
    expect(parseConfig(twoStages(), 'stagecoach.yaml').charts).toBe(false);
    expect(parseConfig(twoStages('charts: true\n'), 'stagecoach.yaml').charts).toBe(true);
    expect(parseConfig(twoStages('charts: false\n'), 'stagecoach.yaml').charts).toBe(false);
  });

  test('anything but a boolean is refused where it stands', () => {
    expect(problems(twoStages('charts: "on"\n'))).toEqual([expect.stringMatching(/^stagecoach\.yaml:6:9: charts: /)]);
  });
});
