// `charts: true`: also promote Helm chart versions (Flux HelmRelease chart.spec.version, Argo CD Helm
// targetRevision, Flux OCIRepository ref.tag) as a second kind of artifact. Off by default: chart versions often
// differ between stages on purpose.
import { type Checker, type Entry, readBoolean } from './checker.js';

export function readCharts(c: Checker, entry: Entry): boolean {
  return readBoolean(c, entry.value, entry.key, 'charts') ?? false;
}
