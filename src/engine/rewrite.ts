// The rewrite step: the new text of every file a plan changes, spliced at the parsed nodes and checked by re-scanning.
import type { Pipeline } from '../core/config/index.js';
import { formatVersion, parseVersion, type ImageReference } from '../core/image-reference.js';
import type { ScannedStage } from '../core/plan.js';
import { applyEdits, type Edit } from '../core/rewrite.js';
import { scanFile } from '../core/scan.js';
import { PromotionError } from '../core/errors.js';
import type { RepoFiles } from '../adapters/repo-files.js';
import type { PlannedPromotion } from './plan.js';

/** The target's references by file, and by file:line:column (one pass: a promotion stays linear in references). */
function indexReferences(target: ScannedStage) {
  const at = new Map<string, ImageReference>();
  const byFile = new Map<string, ImageReference[]>();
  for (const ref of target.references) {
    at.set(`${ref.file}:${ref.line}:${ref.column}`, ref);
    const list = byFile.get(ref.file);
    if (list) list.push(ref);
    else byFile.set(ref.file, [ref]);
  }
  const referenceAt = (file: string, line: number, column: number): ImageReference => {
    const found = at.get(`${file}:${line}:${column}`);
    if (!found) throw new Error(`internal: the plan names ${file}:${line}:${column}, which the scan did not find`);
    return found;
  };
  return { referenceAt, inFile: (file: string) => byFile.get(file) ?? [] };
}

/** The new text of every file the plan changes, checked by re-scanning before anything is written. */
export async function renderPromotion(
  files: RepoFiles,
  pipeline: Pipeline,
  planned: PlannedPromotion,
): Promise<Record<string, string>> {
  const editsByFile = new Map<string, Edit[]>();
  const { referenceAt, inFile } = indexReferences(planned.target);
  for (const change of planned.plan.changes) {
    const reference = referenceAt(change.file, change.line, change.column);
    const edits = editsByFile.get(change.file) ?? [];
    edits.push({ reference, version: parseVersion(change.new) });
    editsByFile.set(change.file, edits);
  }
  const output: Record<string, string> = {};
  const identity = (ref: ImageReference, version: string) =>
    `${ref.document}|${ref.workload ?? ''}|${ref.container ?? ''}|${ref.image}=${version}`;
  for (const [file, edits] of editsByFile) {
    const original = await files.read(file);
    const options = { fields: pipeline.fields, charts: pipeline.charts, mode: 'full' as const };
    // The plan may come from the fast reader: a file is edited only when the full parser reads it the same way.
    const full = scanFile(file, original, options);
    if (full.skipped.length > 0) {
      const { line, reason } = full.skipped[0];
      throw new PromotionError(`${file}:${line}: ${reason}; nothing was written`);
    }
    const read = (refs: ImageReference[]) => refs.map((ref) => identity(ref, formatVersion(ref))).sort();
    if (read(full.references).join('\n') !== read(inFile(file)).join('\n')) {
      throw new PromotionError(
        `${file}: the full YAML parser does not read it as the plan did (was it changed meanwhile?); nothing was written`,
      );
    }
    const text = applyEdits(original, edits);
    // Guarantee: re-scanning the result (with the full parser) yields exactly the planned state of every reference.
    const edited = new Map(edits.map((edit) => [edit.reference, edit.version]));
    const expected = inFile(file)
      .map((ref) => identity(ref, formatVersion(edited.get(ref) ?? ref)))
      .sort();
    const actual = read(scanFile(file, text, options).references);
    if (expected.join('\n') !== actual.join('\n')) {
      throw new PromotionError(
        `${file}: the rewritten file did not read back as planned; nothing was written. Please report this file.`,
      );
    }
    output[file] = text;
  }
  return output;
}
