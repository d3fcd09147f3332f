// The transcripts editor page's state, without DOM: the index of discussions (from the host), the
// annotation set grouped by discussion, the full records fetched so far (a bounded cache), the filters,
// the selection and how the keyboard moves it. What survives a hide or restart (getState/setState) is the
// view state: filters, selection and scroll position.
import { annotatedDiscussion, type Annotation } from '../../src/protocol/annotations';
import type { TranscriptRecord } from '../../src/protocol/runRecords';
import type { Agreement, AnnotationTarget, DiscussionSummary, ReadProblem } from '../../src/protocol/transcriptsEditor';

export type SplitFilter = 'all' | 'train' | 'eval';
export type OutcomeFilter = 'all' | 'correct' | 'incorrect';
/** '' any; UNLABELLED: no label of mine; LABELLED: some label of anyone; else one label's name. */
export type LabelFilter = string;
export const UNLABELLED = '#unlabelled';
export const LABELLED = '#labelled';

export interface Filter {
  /** Case-insensitive text in the question (its indexed head), the id or the gold answer. */
  search: string;
  /** `12` or `10-20` (inclusive); '' for all steps. */
  step: string;
  split: SplitFilter;
  /** By the correctness of the final turn's majority answer. */
  outcome: OutcomeFilter;
  /** Only discussions in which some agent changed its answer. */
  changed: boolean;
  /** Only discussions with a response where the verifier disagrees with the ground truth. */
  disagree: boolean;
  label: LabelFilter;
}

export const DEFAULT_FILTER: Filter = {
  search: '',
  step: '',
  split: 'all',
  outcome: 'all',
  changed: false,
  disagree: false,
  label: '',
};

/** The selection: a whole discussion (no turn) or one response. */
export type Selection = AnnotationTarget;

export interface ViewState {
  version: 1;
  /** The file this state belongs to. */
  file: string;
  filter: Filter;
  selection: Selection | null;
  scrollTop: number;
}

export interface Data {
  file: string;
  labels: string[];
  annotator: string;
  entries: DiscussionSummary[];
  position: Map<string, number>;
  /** Annotations by discussion key. */
  annotations: Map<string, Annotation[]>;
  problems: ReadProblem[];
  agreement: Agreement[];
  error: string | null;
  complete: boolean;
  records: Map<string, TranscriptRecord>;
}

export const MAX_RECORDS = 1000;

export function emptyData(): Data {
  return {
    file: '',
    labels: [],
    annotator: '',
    entries: [],
    position: new Map(),
    annotations: new Map(),
    problems: [],
    agreement: [],
    error: null,
    complete: false,
    records: new Map(),
  };
}

/** Adds or replaces (same key, in place) index entries. */
export function upsertEntries(d: Data, entries: readonly DiscussionSummary[]): void {
  for (const e of entries) {
    const at = d.position.get(e.key);
    if (at === undefined) {
      d.position.set(e.key, d.entries.length);
      d.entries.push(e);
    } else {
      d.entries[at] = e;
      d.records.delete(e.key); // its record changed too
    }
  }
}

export function setAnnotations(d: Data, list: readonly Annotation[]): void {
  d.annotations = new Map();
  for (const a of list) {
    const key = annotatedDiscussion(a);
    let group = d.annotations.get(key);
    if (!group) d.annotations.set(key, (group = []));
    group.push(a);
  }
}

export function addRecords(d: Data, records: readonly TranscriptRecord[], keyOf: (r: TranscriptRecord) => string): void {
  for (const r of records) {
    const key = keyOf(r);
    d.records.delete(key);
    d.records.set(key, r);
  }
  // Oldest first in insertion order: drop those beyond the cap.
  for (const key of d.records.keys()) {
    if (d.records.size <= MAX_RECORDS) break;
    d.records.delete(key);
  }
}

/** Annotations on exactly this target (a whole discussion: those without a turn). */
export function annotationsOn(d: Data, t: Selection): Annotation[] {
  return (d.annotations.get(t.key) ?? []).filter((a) => a.turn === t.turn && (t.turn === undefined || a.agent === t.agent));
}

export function labelCount(d: Data, key: string): number {
  return (d.annotations.get(key) ?? []).filter((a) => a.label !== undefined).length;
}

export function hasMyLabel(d: Data, key: string): boolean {
  return (d.annotations.get(key) ?? []).some((a) => a.label !== undefined && a.annotator === d.annotator);
}

// ---- filters ------------------------------------------------------------------------------

/** `12` → [12, 12], `10-20` → [10, 20], '' or garbage → null (no step filter). */
export function parseStepRange(text: string): [number, number] | null {
  const m = /^\s*(\d+)\s*(?:(?:-|–|\.\.)\s*(\d+)\s*)?$/.exec(text);
  if (!m) return null;
  const lo = Number(m[1]),
    hi = m[2] === undefined ? lo : Number(m[2]);
  return lo <= hi ? [lo, hi] : [hi, lo];
}

export function matches(d: Data, e: DiscussionSummary, f: Filter): boolean {
  if (f.split !== 'all' && e.split !== f.split) return false;
  if (f.outcome !== 'all') {
    const final = e.majorityCorrect[e.majorityCorrect.length - 1];
    if (final === undefined || final !== (f.outcome === 'correct')) return false;
  }
  if (f.changed && !e.changed) return false;
  if (f.disagree && !e.disagree) return false;
  const steps = parseStepRange(f.step);
  if (steps && (e.step < steps[0] || e.step > steps[1])) return false;
  if (f.label === UNLABELLED) {
    if (hasMyLabel(d, e.key)) return false;
  } else if (f.label === LABELLED) {
    if (labelCount(d, e.key) === 0) return false;
  } else if (f.label && !(d.annotations.get(e.key) ?? []).some((a) => a.label === f.label)) {
    return false;
  }
  if (f.search) {
    const q = f.search.toLowerCase();
    if (!e.question.toLowerCase().includes(q) && !e.id.toLowerCase().includes(q) && e.answer.toLowerCase() !== q) return false;
  }
  return true;
}

/** Positions (in d.entries) of the discussions that pass the filter, in file order. */
export function filtered(d: Data, f: Filter): number[] {
  const out: number[] = [];
  for (let i = 0; i < d.entries.length; i++) if (matches(d, d.entries[i], f)) out.push(i);
  return out;
}

// ---- view state ------------------------------------------------------------------------------

export function restoreViewState(saved: unknown, file: string): ViewState {
  const s = saved as Partial<ViewState> | null | undefined;
  const fresh: ViewState = { version: 1, file, filter: { ...DEFAULT_FILTER }, selection: null, scrollTop: 0 };
  if (!s || s.version !== 1 || s.file !== file) return fresh;
  const f = (s.filter ?? {}) as Partial<Filter>;
  const str = (v: unknown, max = 200) => (typeof v === 'string' ? v.slice(0, max) : '');
  const sel = s.selection as Partial<Selection> | null | undefined;
  const idx = (v: unknown) => (Number.isInteger(v) && (v as number) >= 0 ? (v as number) : undefined);
  return {
    version: 1,
    file,
    filter: {
      search: str(f.search),
      step: str(f.step, 40),
      split: f.split === 'train' || f.split === 'eval' ? f.split : 'all',
      outcome: f.outcome === 'correct' || f.outcome === 'incorrect' ? f.outcome : 'all',
      changed: f.changed === true,
      disagree: f.disagree === true,
      label: str(f.label, 100),
    },
    selection:
      sel && typeof sel.key === 'string'
        ? {
            key: sel.key,
            ...(idx(sel.turn) !== undefined ? { turn: idx(sel.turn) } : {}),
            ...(idx(sel.turn) !== undefined && idx(sel.agent) !== undefined ? { agent: idx(sel.agent) } : {}),
          }
        : null,
    scrollTop: typeof s.scrollTop === 'number' && s.scrollTop >= 0 ? s.scrollTop : 0,
  };
}

// ---- keyboard movement --------------------------------------------------------------------------

export type Move =
  | 'nextDiscussion'
  | 'previousDiscussion'
  | 'nextRow'
  | 'previousRow'
  | 'nextTurn'
  | 'previousTurn'
  | 'first'
  | 'last'
  | 'nextUnlabelled'
  | 'previousUnlabelled'
  | 'discussion';

/**
 * Where a move takes the selection in the filtered list (positions into d.entries). Rows of a
 * discussion: its header (the whole discussion), then one row per agent; columns are turns. From
 * nothing selected, any move selects the first discussion.
 */
export function move(d: Data, list: readonly number[], sel: Selection | null, m: Move): Selection | null {
  if (!list.length) return null;
  const whole = (i: number): Selection => ({ key: d.entries[list[i]].key });
  const at = sel ? list.findIndex((p) => d.entries[p].key === sel.key) : -1;
  if (at < 0) return m === 'last' ? whole(list.length - 1) : whole(0);
  const e = d.entries[list[at]];
  const turn = sel!.turn,
    agent = sel!.agent;
  const lastTurn = e.turns - 1;
  switch (m) {
    case 'first':
      return whole(0);
    case 'last':
      return whole(list.length - 1);
    case 'discussion':
      return whole(at);
    case 'nextDiscussion':
      return whole(Math.min(list.length - 1, at + 1));
    case 'previousDiscussion':
      return whole(Math.max(0, at - 1));
    case 'nextRow':
      if (turn === undefined || agent === undefined)
        return e.agents > 0 ? { key: e.key, turn: turn ?? 0, agent: 0 } : whole(Math.min(list.length - 1, at + 1));
      if (agent + 1 < e.agents) return { key: e.key, turn, agent: agent + 1 };
      return at + 1 < list.length ? whole(at + 1) : sel;
    case 'previousRow': {
      if (turn !== undefined && agent !== undefined) return agent > 0 ? { key: e.key, turn, agent: agent - 1 } : whole(at);
      if (at === 0) return sel;
      const prev = d.entries[list[at - 1]];
      return prev.agents > 0
        ? { key: prev.key, turn: Math.min(turn ?? prev.turns - 1, prev.turns - 1), agent: prev.agents - 1 }
        : whole(at - 1);
    }
    case 'nextTurn':
      if (turn === undefined || agent === undefined) return e.agents > 0 ? { key: e.key, turn: 0, agent: 0 } : sel;
      return { key: e.key, turn: Math.min(lastTurn, turn + 1), agent };
    case 'previousTurn':
      if (turn === undefined || agent === undefined) return sel;
      return { key: e.key, turn: Math.max(0, turn - 1), agent };
    case 'nextUnlabelled':
    case 'previousUnlabelled': {
      const step = m === 'nextUnlabelled' ? 1 : -1;
      for (let i = at + step; i >= 0 && i < list.length; i += step) {
        if (!hasMyLabel(d, d.entries[list[i]].key)) return whole(i);
      }
      return sel;
    }
  }
}
