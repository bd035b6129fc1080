// Finding a stage in the pipeline.
import { ConfigError, findStage, nextStage, parseConfig } from '../../../src/core/config/index.js';
import { fixture } from './helpers.js';

describe('findStage and nextStage', () => {
  const pipeline = parseConfig(fixture('full.yaml'), 'stagecoach.yaml');

  test('find by name; next in promotion order; undefined after the last', () => {
    expect(findStage(pipeline, 'staging').paths).toEqual(['envs/staging']);
    expect(nextStage(pipeline, 'dev')?.name).toBe('staging');
    expect(nextStage(pipeline, 'staging')?.name).toBe('production');
    expect(nextStage(pipeline, 'production')).toBeUndefined();
  });

  test('an unknown stage lists the known ones and the closest', () => {
    expect(() => findStage(pipeline, 'prod')).toThrow(ConfigError);
    try {
      nextStage(pipeline, 'stagign');
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([
        {
          file: 'stagecoach.yaml',
          line: 0,
          message: 'no stage is named "stagign"; did you mean "staging"? (the stages are dev, staging, production)',
        },
      ]);
    }
    expect.assertions(2);
  });
});
