// The promotion pull request body, its hidden machine-readable block (and parser), and the plan hash that identifies a plan.
import { createHash } from 'node:crypto';
import type { GateResult } from '../gate-result.js';
import type { Change, Plan } from '../plan-types.js';
import { renderGateFailure } from './gate-report.js';
import { code, escapeMarkdown, markdownTable } from './markdown.js';

/** GitHub rejects a pull request body longer than this (characters). */
export const BODY_LIMIT = 65_536;

export interface PromotionBlock {
  from: string;
  to: string;
  planHash: string;
  images: { image: string; old: string[]; new: string }[];
  /** Images left out of `images` to keep the block small. */
  moreImages?: number;
  /** The promotion commit the body describes (the branch head when the PR is consistent). */
  commit?: string;
  /** When the plan was built (ISO 8601): of two concurrent promotions the later plan wins. */
  builtAt?: string;
  /** The PR is a draft because a gate failed, not because of the policy. */
  gateDraft?: boolean;
  /** Rebuilt from the commit by another run: the plan's own run rewrites it in full when it runs again. */
  rebuilt?: boolean;
}

/** Object keys sorted at every level, so equal values serialise to equal text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** sha256 (hex) of the canonical JSON of from, to and the changes: equal plans, equal hashes. */
export function planHash(plan: Plan): string {
  return createHash('sha256')
    .update(canonicalJson({ from: plan.from, to: plan.to, changes: plan.changes }))
    .digest('hex');
}

const BLOCK_PATTERN = /<!--\s*stagecoach:promotion\s+(\{[\s\S]*?\})\s*-->/g;
/** The block must survive any truncation, so its image list is capped well below the body limit. */
const BLOCK_BUDGET = 16_000;

/** JSON inside an HTML comment: `<`, `>` and `&` as \u escapes so `-->` can never close it early. */
function commentSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function renderPromotionBlock(block: PromotionBlock): string {
  const render = (value: PromotionBlock) => `<!-- stagecoach:promotion ${commentSafeJson(value)} -->`;
  let images = block.images;
  let text = render(block);
  while (text.length > BLOCK_BUDGET && images.length > 0) {
    images = images.slice(0, Math.floor(images.length / 2));
    text = render({ ...block, images, moreImages: (block.moreImages ?? 0) + block.images.length - images.length });
  }
  return text;
}

const isString = (value: unknown): value is string => typeof value === 'string';

/** The last promotion block in a PR body, or undefined when there is none or it is malformed (e.g. edited by hand). */
export function parsePromotionBlock(body: string | null | undefined): PromotionBlock | undefined {
  if (!body) return undefined;
  const matches = [...body.matchAll(BLOCK_PATTERN)];
  for (const match of matches.reverse()) {
    let value: unknown;
    try {
      value = JSON.parse(match[1]);
    } catch {
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    const v = value as Record<string, unknown>;
    if (!isString(v.from) || !isString(v.to) || !isString(v.planHash) || !Array.isArray(v.images)) continue;
    const images = v.images.filter(
      (item): item is PromotionBlock['images'][number] =>
        item !== null &&
        typeof item === 'object' &&
        isString(item.image) &&
        isString(item.new) &&
        Array.isArray(item.old) &&
        item.old.every(isString),
    );
    const block: PromotionBlock = { from: v.from, to: v.to, planHash: v.planHash, images };
    if (typeof v.moreImages === 'number') block.moreImages = v.moreImages;
    if (isString(v.commit)) block.commit = v.commit;
    if (isString(v.builtAt)) block.builtAt = v.builtAt;
    if (v.gateDraft === true) block.gateDraft = true;
    if (v.rebuilt === true) block.rebuilt = true;
    return block;
  }
  return undefined;
}

/** Where a promotion came from and who ran it: links GitHub renders in the body. */
export interface PromotionContext {
  /** `https://github.com/OWNER/REPO`: files link to `<repo>/blob/<head>/<file>#L<line>`. */
  repoUrl?: string;
  /** The PR head (commit or branch) the file links point at. */
  head?: string;
  actor?: string;
  run?: { number: string; url: string };
  /** Per image: where its release notes are (a compare link from the images' OCI labels). */
  releaseNotes?: Record<string, string>;
}

export interface PullRequestBodyInput {
  plan: Plan;
  /** Defaults to planHash(plan). */
  planHash?: string;
  /** Where the source stage's versions come from. */
  sourceCommit?: { sha: string; url?: string };
  /** Markdown from the caller (already escaped there). */
  gateReport?: string;
  /** The gates' results: a failed one is named at the very top, its output expanded. */
  gates?: GateResult[];
  context?: PromotionContext;
  commit?: string;
  builtAt?: string;
  gateDraft?: boolean;
  rebuilt?: boolean;
  /** Defaults to BODY_LIMIT; smaller in tests. */
  limit?: number;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** Only http(s) links: a javascript: URL from a misconfigured input must not become a link. */
const safeUrl = (url: string | undefined): url is string => !!url && /^https?:\/\/[^\s()<>]+$/.test(url);

function sourceLine(plan: Plan, sourceCommit: PullRequestBodyInput['sourceCommit']): string {
  const files = new Set(plan.changes.map((change) => change.file)).size;
  let line = `Promotes ${plural(plan.images.length, 'image')} in ${plural(files, 'file')} from ${code(plan.from)} to ${code(plan.to)}`;
  if (sourceCommit) {
    const short = code(sourceCommit.sha.slice(0, 12));
    const link = safeUrl(sourceCommit.url) ? `[${short}](${sourceCommit.url})` : short;
    line += `, as of ${plan.source === 'stage' ? `${code(plan.from)}'s commit` : 'commit'} ${link}`;
  }
  return `${line}.`;
}

function whoLine(context: PromotionContext | undefined): string {
  if (!context?.actor && !context?.run) return '';
  const actor = context.actor && /^[A-Za-z0-9-]+(\[bot\])?$/.test(context.actor) ? `@${context.actor}` : '';
  const run =
    context.run && safeUrl(context.run.url) && /^\d+$/.test(context.run.number)
      ? `[run #${context.run.number}](${context.run.url})`
      : '';
  if (!actor && !run) return '';
  return `Promoted${actor ? ` by ${actor}` : ''}${run ? ` via ${run}` : ''}.`;
}

function fileCell(change: Change, context: PromotionContext | undefined): string {
  const text = code(`${change.file}:${change.line}`);
  if (!context?.repoUrl || !context.head || !safeUrl(context.repoUrl)) return text;
  const file = change.file.split('/').map(encodeURIComponent).join('/');
  return `[${text}](${context.repoUrl}/blob/${encodeURIComponent(context.head)}/${file}#L${change.line})`;
}

function imageCell(change: Change, context: PromotionContext | undefined): string {
  const notes = context?.releaseNotes?.[change.image];
  return `${code(change.image)}${safeUrl(notes) ? ` ([changes](${notes}))` : ''}`;
}

/** One table of every change (image, workload/container, file:line, old → new); rows go from the end past the budget. */
function renderTables(
  plan: Plan,
  budget: number,
  context: PromotionContext | undefined,
): { text: string; omitted: number } {
  const header = markdownTable(['Image', 'Workload / container', 'File', 'Version'], []);
  const rows: string[] = [];
  let used = header.length + 1;
  for (const change of plan.changes) {
    const where = change.workload
      ? `${code(change.workload)}${change.container ? ` / ${code(change.container)}` : ''}`
      : '–';
    const row = `| ${imageCell(change, context)} | ${where} | ${fileCell(change, context)} | ${code(change.old)} → ${code(change.new)}${change.downgrade ? ' ⚠️ **downgrade**' : ''} |`;
    if (used + row.length + 1 > budget) break;
    rows.push(row);
    used += row.length + 1;
  }
  if (rows.length === 0) return { text: '', omitted: plan.changes.length };
  return { text: [header, ...rows].join('\n'), omitted: plan.changes.length - rows.length };
}

function renderFileList(plan: Plan, budget: number): string {
  const files = [...new Set(plan.changes.map((change) => change.file))];
  const items: string[] = [];
  let used = 0;
  for (const file of files) {
    const item = `- ${code(file)}`;
    if (used + item.length + 1 > budget) break;
    items.push(item);
    used += item.length + 1;
  }
  const more = files.length - items.length;
  return [
    `<details><summary>${plural(files.length, 'file')} changed</summary>`,
    '',
    ...items,
    ...(more > 0 ? [`- … and ${more} more (see the commit)`] : []),
    '',
    '</details>',
  ].join('\n');
}

/** The code fence (CommonMark: up to 3 spaces, then 3+ backticks or tildes) a line opens, if it opens one. */
function fenceOpened(line: string): string | undefined {
  const match = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(line);
  if (!match || (match[1][0] === '`' && match[2].includes('`'))) return undefined;
  return match[1];
}

/** What a cut after these lines leaves open: the code fence, and `<details>` elements outside code. */
function openBlocks(lines: string[]): { fence?: string; details: number } {
  let fence: string | undefined;
  let details = 0;
  for (const line of lines) {
    if (fence) {
      const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(line)?.[1];
      if (close && close[0] === fence[0] && close.length >= fence.length) fence = undefined;
      continue;
    }
    fence = fenceOpened(line);
    if (fence) continue;
    details += (line.match(/<details\b/gi) ?? []).length - (line.match(/<\/details\s*>/gi) ?? []).length;
    details = Math.max(0, details);
  }
  return { ...(fence ? { fence } : {}), details };
}

/** Markdown cut at a line to fit `budget` with `note` after it, closing the code fence and `<details>` it leaves open. */
export function cutMarkdown(text: string, budget: number, note: string): string {
  const lines = text.split('\n');
  const render = (kept: number) => {
    const open = openBlocks(lines.slice(0, kept));
    const closers = [...(open.fence ? [open.fence] : []), ...Array.from({ length: open.details }, () => '</details>')];
    // A blank line before `</details>` ends the Markdown inside it (GitHub's rendering of raw HTML blocks).
    return [lines.slice(0, kept).join('\n'), ...closers, note].filter(Boolean).join('\n\n');
  };
  let kept = lines.length;
  let used = text.length;
  // Lines that cannot fit even before anything is closed go at once; then one at a time until the closers fit too.
  while (kept > 0 && used + note.length + 2 > budget) {
    kept -= 1;
    used -= lines[kept].length + 1;
  }
  let cut = render(kept);
  while (kept > 0 && cut.length > budget) cut = render((kept -= 1));
  return cut;
}

function section(title: string, items: string[]): string {
  return items.length === 0 ? '' : `#### ${title}\n\n${items.map((item) => `- ${item}`).join('\n')}\n`;
}

/** The PR body: a failed gate first, then one table of every change, source and run links, file list, gate report, notes, and the hidden block; never over the limit. */
export function renderPullRequestBody(input: PullRequestBodyInput): string {
  const { plan } = input;
  const limit = input.limit ?? BODY_LIMIT;
  const block = renderPromotionBlock({
    from: plan.from,
    to: plan.to,
    planHash: input.planHash ?? planHash(plan),
    images: plan.images.map((image) => ({ image: image.image, old: image.old, new: image.new })),
    ...(input.commit ? { commit: input.commit } : {}),
    ...(input.builtAt ? { builtAt: input.builtAt } : {}),
    ...(input.gateDraft ? { gateDraft: true } : {}),
    ...(input.rebuilt ? { rebuilt: true } : {}),
  });
  const title = `### Promote ${code(plan.from)} → ${code(plan.to)}`;
  const intro = [sourceLine(plan, input.sourceCommit), whoLine(input.context)].filter(Boolean).join(' ');
  const downgrades = plan.changes.filter((change) => change.downgrade).length;
  const warning =
    downgrades > 0
      ? `> [!WARNING]\n> This promotion moves ${plural(downgrades, 'reference')} to an older version.\n`
      : '';
  let caution = renderGateFailure(
    input.gates ?? [],
    plan.images.map((image) => `${image.image} ${image.new}`),
    input.gateDraft ? 'This pull request is a draft because of it: fix the cause and run the promotion again.' : '',
  );
  if (caution.length > limit / 4)
    caution = cutMarkdown(caution, Math.floor(limit / 4), '_The output was cut to fit the body._');
  const notes = [
    section(
      'Not promoted',
      plan.notPromoted.map((item) => `${code(`${item.image} ${item.version}`)}: ${escapeMarkdown(item.reason)}`),
    ),
    section(
      'Warnings',
      plan.warnings.map((item) => `${code(`${item.file}:${item.line}`)}: ${escapeMarkdown(item.message)}`),
    ),
    section(
      'Skipped files (never written)',
      plan.skipped
        .filter((item) => !item.fromSource)
        .map((item) => `${code(`${item.file}:${item.line}`)}: ${escapeMarkdown(item.reason)}`),
    ),
  ]
    .filter(Boolean)
    .join('\n');
  const footer =
    '<sub>Opened by Stagecoach. Rerunning the promotion updates this pull request; edits to it are overwritten.</sub>';
  let gate = input.gateReport?.trim() ?? '';
  const fixed = [caution, title, intro, warning, footer, block].join('\n\n').length + 200;
  // The gate report may take half of what is left; the table and the file list share the rest.
  const gateBudget = Math.floor((limit - fixed) / 2);
  if (gate.length > gateBudget) gate = cutMarkdown(gate, gateBudget, '_The gate report was cut to fit the body._');
  let notesText = notes;
  const remaining = limit - fixed - gate.length;
  if (notesText.length > remaining / 4) notesText = '';
  const tablesBudget = Math.floor(((remaining - notesText.length) * 3) / 4);
  const tables = renderTables(plan, tablesBudget, input.context);
  const truncation =
    tables.omitted > 0
      ? `_${plural(tables.omitted, 'more change')} not shown: a pull request body holds at most ${limit.toLocaleString('en-US')} characters. The commit lists every change._`
      : '';
  // The table names every file; the list is for when rows had to go.
  const fileList =
    tables.omitted > 0
      ? renderFileList(
          plan,
          limit - fixed - gate.length - notesText.length - tables.text.length - truncation.length - 300,
        )
      : '';
  const body = [caution, title, intro, warning, tables.text, truncation, fileList, gate, notesText, footer, block]
    .map((part) => part.trim())
    .filter(Boolean)
    .join('\n\n');
  return `${body}\n`;
}
