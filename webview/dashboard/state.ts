// The dashboard's state: the run's data (rebuilt from host messages) and the view state (what the user
// chose: hidden series, transcript filters), which is what getState/setState keep across hides and
// restarts. The data is not saved: the host sends a snapshot when the page loads. Pure: no DOM.
import type { HostToWebview, RunHeader, TranscriptView } from '../../src/protocol/webview';
import { appendPoints, emptyColumns, type MetricsColumns } from './metricsStore';

/** Transcripts kept in the page (the newest). */
export const MAX_TRANSCRIPTS = 5000;
export const PAGE_SIZE = 20;

export type OutcomeFilter = 'all' | 'correct' | 'incorrect';
export type SplitFilter = 'all' | 'train' | 'eval';

export interface TranscriptFilter {
  /** By the correctness of the final turn's majority answer. */
  outcome: OutcomeFilter;
  /** Only discussions in which some agent changed its answer between turns. */
  changedOnly: boolean;
  split: SplitFilter;
  /** Case-insensitive text in the question. */
  search: string;
}

export interface ViewState {
  version: 1;
  runDir: string;
  hiddenSeries: string[];
  filter: TranscriptFilter;
  /** Transcript pages shown (PAGE_SIZE each). */
  pages: number;
}

export interface DashboardData {
  header: RunHeader | null;
  metrics: MetricsColumns;
  evalMetrics: MetricsColumns;
  transcripts: TranscriptView[];
}

export const DEFAULT_FILTER: TranscriptFilter = { outcome: 'all', changedOnly: false, split: 'all', search: '' };

export function initialViewState(runDir: string): ViewState {
  return { version: 1, runDir, hiddenSeries: [], filter: { ...DEFAULT_FILTER }, pages: 1 };
}

/** A saved state if it is one this page understands, else a fresh one for `runDir`. */
export function restoreViewState(saved: unknown, runDir: string): ViewState {
  const s = saved as Partial<ViewState> | null | undefined;
  if (!s || s.version !== 1 || typeof s.runDir !== 'string') return initialViewState(runDir);
  const f = (s.filter ?? {}) as Partial<TranscriptFilter>;
  return {
    version: 1,
    runDir: s.runDir,
    hiddenSeries: Array.isArray(s.hiddenSeries) ? s.hiddenSeries.filter((x): x is string => typeof x === 'string') : [],
    filter: {
      outcome: f.outcome === 'correct' || f.outcome === 'incorrect' ? f.outcome : 'all',
      changedOnly: f.changedOnly === true,
      split: f.split === 'train' || f.split === 'eval' ? f.split : 'all',
      search: typeof f.search === 'string' ? f.search.slice(0, 200) : '',
    },
    pages: typeof s.pages === 'number' && s.pages >= 1 ? Math.min(Math.floor(s.pages), 250) : 1,
  };
}

export function emptyData(): DashboardData {
  return { header: null, metrics: emptyColumns(), evalMetrics: emptyColumns(), transcripts: [] };
}

export interface Changes {
  header: boolean;
  metrics: boolean;
  newSeries: boolean;
  transcripts: boolean;
}

/** Applies a host message to the data (mutating it: columns grow in place) and says what changed. */
export function applyHostMessage(data: DashboardData, msg: HostToWebview): Changes {
  if (msg.type === 'snapshot') {
    data.metrics = emptyColumns();
    data.evalMetrics = emptyColumns();
    data.transcripts = [];
  }
  data.header = msg.header;
  const train = appendPoints(data.metrics, msg.metrics);
  const evals = appendPoints(data.evalMetrics, msg.evalMetrics);
  if (msg.transcripts.length) {
    data.transcripts.push(...msg.transcripts);
    if (data.transcripts.length > MAX_TRANSCRIPTS) data.transcripts = data.transcripts.slice(-MAX_TRANSCRIPTS);
  }
  const snapshot = msg.type === 'snapshot';
  return {
    header: true,
    metrics: snapshot || msg.metrics.length > 0 || msg.evalMetrics.length > 0,
    newSeries: snapshot || train.newSeries || train.rewound || evals.newSeries || evals.rewound,
    transcripts: snapshot || msg.transcripts.length > 0,
  };
}

export function toggleSeries(view: ViewState, id: string, shown: boolean): ViewState {
  const hidden = new Set(view.hiddenSeries);
  if (shown) hidden.delete(id);
  else hidden.add(id);
  return { ...view, hiddenSeries: [...hidden].sort() };
}

export function setFilter(view: ViewState, patch: Partial<TranscriptFilter>): ViewState {
  return { ...view, filter: { ...view.filter, ...patch }, pages: 1 };
}

/** Whether any agent's answer differs from its answer in the turn before. */
export function answerChanged(t: TranscriptView): boolean {
  for (let turn = 1; turn < t.turns.length; turn++) {
    const prev = t.turns[turn - 1],
      cur = t.turns[turn];
    for (let a = 0; a < Math.min(prev.length, cur.length); a++) {
      if ((prev[a].answer ?? null) !== (cur[a].answer ?? null)) return true;
    }
  }
  return false;
}

/** Correctness of the final turn's majority answer, null when unknown. */
export function finalMajorityCorrect(t: TranscriptView): boolean | null {
  return t.majorityCorrect.length ? t.majorityCorrect[t.majorityCorrect.length - 1] : null;
}

export function matchesFilter(t: TranscriptView, f: TranscriptFilter): boolean {
  if (f.split !== 'all' && t.split !== f.split) return false;
  if (f.outcome !== 'all') {
    const ok = finalMajorityCorrect(t);
    if (ok === null || ok !== (f.outcome === 'correct')) return false;
  }
  if (f.changedOnly && !answerChanged(t)) return false;
  if (f.search && !t.question.toLowerCase().includes(f.search.toLowerCase())) return false;
  return true;
}

/** The transcripts to show, newest first: the matching ones, `pages` pages of them, and the total. */
export function visibleTranscripts(
  all: readonly TranscriptView[],
  view: ViewState,
): { shown: TranscriptView[]; matching: number } {
  const limit = view.pages * PAGE_SIZE;
  const shown: TranscriptView[] = [];
  let matching = 0;
  for (let i = all.length - 1; i >= 0; i--) {
    if (!matchesFilter(all[i], view.filter)) continue;
    matching++;
    if (shown.length < limit) shown.push(all[i]);
  }
  return { shown, matching };
}
