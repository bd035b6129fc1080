// --stage NAME=PATH[,PATH...]: stages without a config file, checked by the same rules.
import { stagesFromFlags } from '../../../src/core/config/index.js';
import { flagProblems } from './helpers.js';

describe('stagesFromFlags', () => {
  test('NAME=PATH[,PATH...] in promotion order, with defaults', () => {
    const pipeline = stagesFromFlags(['dev=envs/dev', 'prod=envs/prod,./clusters/prod/']);
    expect(pipeline.configFile).toBe('<flags>');
    expect(pipeline.files).toEqual(['**/*.yaml', '**/*.yml']);
    expect(pipeline.stages.map((s) => [s.name, s.paths, s.line])).toEqual([
      ['dev', ['envs/dev'], 1],
      ['prod', ['envs/prod', 'clusters/prod'], 2],
    ]);
    expect(pipeline.stages[1].pullRequest.labels).toEqual(['promotion', 'stage:prod']);
    expect(pipeline.stages[1].gates).toEqual({
      registry: false,
      health: false,
      soakSeconds: 0,
      commands: [],
      onFailure: 'fail',
    });
  });

  test('every problem at once, line = flag number, column inside the flag', () => {
    expect(flagProblems(['dev=envs/dev', 'Dev=/x,envs/dev/a', 'nothing', 'dev=other', '=a', 'qa=a,'])).toEqual([
      '<flags>:2:1: --stage "Dev=/x,envs/dev/a": stage name "Dev" must be lower-case letters, digits and "-", starting with a letter or digit (it is used in branch names); for example "dev"',
      '<flags>:2:5: --stage "Dev=/x,envs/dev/a": path "/x" is absolute; write it relative to the repository root, e.g. "x"',
      '<flags>:2:8: --stage "Dev=/x,envs/dev/a": "envs/dev/a" is inside "envs/dev", owned by stage "dev" (--stage number 1); each folder or file belongs to one stage',
      '<flags>:3:1: --stage "nothing": expected NAME=PATH[,PATH...], e.g. --stage dev=envs/dev',
      '<flags>:4:1: --stage "dev=other": stage "dev" is defined twice (first at --stage number 1); stage names must be unique',
      '<flags>:5:1: --stage "=a": the stage name before "=" is missing',
      '<flags>:6:6: --stage "qa=a,": expected a folder such as envs/dev, got an empty string',
    ]);
  });

  test('files and globs, a comma inside braces included; overlapping globs are refused as in the config file', () => {
    const pipeline = stagesFromFlags([
      'dev=charts/app/values-dev.yaml,components/*/{dev,qa}',
      'prod=components/*/prod',
    ]);
    expect(pipeline.stages.map((stage) => stage.paths)).toEqual([
      ['charts/app/values-dev.yaml', 'components/*/{dev,qa}'],
      ['components/*/prod'],
    ]);
    expect(() => stagesFromFlags(['dev=components/*/dev', 'qa=components/api/dev'])).toThrow(
      '"components/api/dev" may match what "components/*/dev" matches, which is owned by stage "dev" (--stage number 1)',
    );
  });

  test('no flags at all', () => {
    expect(flagProblems([])).toEqual([
      '<flags>: no stages given; pass --stage NAME=PATH for each stage, in promotion order',
    ]);
  });
});
