// Every file a promotion writes is read again with the full parser first: invalid YAML is never edited, even where
// the plan came from the fast reader.
import { createLocalFiles } from '../../src/adapters/local-files.js';
import { PromotionError } from '../../src/core/errors.js';
import { loadPipeline } from '../../src/engine/load-config.js';
import { planStages } from '../../src/engine/plan.js';
import { renderPromotion } from '../../src/engine/rewrite.js';
import { exampleRepo } from '../support/example-repo.js';

async function planned() {
  const dir = exampleRepo();
  const files = createLocalFiles(dir);
  const pipeline = await loadPipeline(files, {});
  const plan = await planStages(files, pipeline, { from: 'dev', to: 'staging' });
  expect(plan.plan.changes.length).toBeGreaterThan(0);
  return { files, pipeline, plan, file: plan.plan.changes[0].file };
}

test('a planned file that the full parser rejects is refused with its line; nothing is rendered', async () => {
  const { files, pipeline, plan, file } = await planned();
  const text = await files.read(file);
  // after the last byte the plan points at, so every slot still matches: only the full parse can tell
  const broken = `${text.endsWith('\n') ? text : `${text}\n`}broken: {a: b]\n`;
  await files.writeAll({ [file]: broken });
  const line = broken.split('\n').length - 1;
  const failure = renderPromotion(files, pipeline, plan);
  await expect(failure).rejects.toBeInstanceOf(PromotionError);
  await expect(failure).rejects.toThrow(`${file}:${line}: not valid YAML`);
  expect(await files.read(file)).toBe(broken);
});

test('a planned file that holds other references now is refused, not edited as planned', async () => {
  const { files, pipeline, plan, file } = await planned();
  const text = await files.read(file);
  const more = `${text.endsWith('\n') ? text : `${text}\n`}---\nkind: Pod\nspec:\n  containers:\n  - image: ghcr.io/acme/new:1.0\n`;
  await files.writeAll({ [file]: more });
  await expect(renderPromotion(files, pipeline, plan)).rejects.toThrow(
    `${file}: the full YAML parser does not read it as the plan did`,
  );
});

test('a valid file renders as before', async () => {
  const { files, pipeline, plan, file } = await planned();
  const rendered = await renderPromotion(files, pipeline, plan);
  expect(Object.keys(rendered)).toContain(file);
});
