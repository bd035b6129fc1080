// The PR body of a later plan another run holds on the branch, rebuilt from that plan's commit alone (the repair of a
// body this run wrote over it late).
import type { Plan } from '../plan-types.js';
import { code, escapeMarkdown } from '../report/markdown.js';
import { planHash, renderPullRequestBody } from '../report/pull-request-body.js';
import { TRAILER_GATES, type HeldPlan } from './held-plan.js';

export interface RebuildContext {
  from: string;
  to: string;
  /** This run's source commit: its URL shows where the held plan's source commit links to. */
  sourceCommit?: { sha: string; url?: string };
}

/** The body for `held`, from the plan its commit carried out (`described`), or, when that could not be read, naming it. */
export function rebuiltBody(
  context: RebuildContext,
  held: HeldPlan,
  described: Plan | Error,
  gateDraft: boolean,
): string {
  const url = context.sourceCommit?.url;
  const sha = context.sourceCommit?.sha;
  const sourceCommit = held.sourceCommit
    ? {
        sha: held.sourceCommit,
        ...(url && sha && url.endsWith(sha) ? { url: url.slice(0, -sha.length) + held.sourceCommit } : {}),
      }
    : undefined;
  const empty: Plan = {
    from: context.from,
    to: context.to,
    source: context.from === 'images' ? 'images' : 'stage',
    changes: [],
    images: [],
    notPromoted: [],
    skipped: [],
    warnings: [],
  };
  const plan = described instanceof Error ? empty : described;
  const note =
    described instanceof Error
      ? ` Its changes could not be read back (${escapeMarkdown(described.message.slice(0, 500))}): see the commit ${code(held.commit.slice(0, 12))}.`
      : planHash(described) === held.hash
        ? ''
        : ' It may differ from what that run saw (another configuration or Stagecoach version): the commit is authoritative.';
  return renderPullRequestBody({
    plan,
    planHash: held.hash,
    commit: held.commit,
    builtAt: held.builtAt,
    rebuilt: true,
    ...(sourceCommit ? { sourceCommit } : {}),
    gateReport: [
      '#### Gates',
      '',
      held.gates
        ? `The gates ${escapeMarkdown(held.gates)} (commit trailer ${code(TRAILER_GATES)}); their report is in the job summary of the run that built this plan.`
        : 'No gates ran.',
      '',
      `_This description was rebuilt from the branch's commit: a concurrent, older promotion run had overwritten it.${note}_`,
    ].join('\n'),
    ...(gateDraft ? { gateDraft } : {}),
  });
}
