// The dashboard's explanations, drawn: the warning banner about untrained base agents, the base-agent
// stage's progress (shown in place of the curves while it runs), and the before/after table per turn
// once the run has ended. What to show is decided in guidance.ts.
import type { BaseStageView, RunOutcome, TurnRow } from '../../src/protocol/webview';
import { h } from '../shared/dom';
import { formatValue } from '../shared/format';
import type { BaseAgentsWarning } from './guidance';

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;

export function renderWarning(root: HTMLElement, warning: BaseAgentsWarning | null, prepare: () => void): void {
  if (!warning) {
    root.replaceChildren();
    return;
  }
  const button = h('button', { class: 'link', type: 'button' }, 'Prepare Base Agents (SFT)…');
  button.addEventListener('click', prepare);
  root.replaceChildren(
    h(
      'div',
      { class: 'banner warning', role: 'alert' },
      h(
        'strong',
        {},
        `Turn-1 accuracy ${pct(warning.accuracy)}${warning.source === 'eval' ? ' before training' : ' in the first iteration'}: are the base agents trained?`,
      ),
      ' Untrained agents answer nothing right, every reward is the same, and nothing can be learned. ',
      '→ ',
      button,
      ' fine-tunes tiny agents on the built-in task (about 2 minutes), or add a "baseAgents" section to the config.',
    ),
  );
}

/** A small line chart of the SFT loss as SVG (no inline styles: colours come from the stylesheet). */
function lossSparkline(losses: BaseStageView['losses'], total: number): SVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  const W = 320,
    H = 60;
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('class', 'sparkline');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', 'SFT loss by step');
  if (losses.length > 0) {
    const hi = Math.max(...losses.map((p) => p.loss)),
      lo = Math.min(0, ...losses.map((p) => p.loss));
    const x = (step: number) => (W * step) / Math.max(1, total);
    const y = (loss: number) => H - 4 - ((H - 8) * (loss - lo)) / Math.max(1e-9, hi - lo);
    const line = document.createElementNS(ns, 'polyline');
    line.setAttribute('points', losses.map((p) => `${x(p.step).toFixed(1)},${y(p.loss).toFixed(1)}`).join(' '));
    svg.append(line);
  }
  return svg;
}

export function renderBaseStage(root: HTMLElement, stage: BaseStageView | null): void {
  if (!stage) {
    root.replaceChildren();
    return;
  }
  const last = stage.losses[stage.losses.length - 1];
  const fill = h('div', { class: 'progress-fill' });
  fill.style.width = `${Math.min(100, stage.total ? (100 * stage.step) / stage.total : 0).toFixed(1)}%`;
  const title = stage.done
    ? (stage.reused ? 'Base agents reused from the cache.' : 'Base agents prepared.') + ' Evaluating the team before training…'
    : `Preparing the base agents: SFT step ${stage.step} of ${stage.total}${last ? `, loss ${formatValue(last.loss)}` : ''}`;
  const bar = h(
    'div',
    { class: 'progress', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': stage.total, 'aria-valuenow': stage.step },
    fill,
  );
  root.replaceChildren(
    h(
      'section',
      { class: 'base-stage', 'aria-label': 'Base agents' },
      h('h2', {}, 'Stage 1 of 2: base agents'),
      h('p', {}, title),
      bar,
      h(
        'p',
        { class: 'empty' },
        'A fresh tiny model is fine-tuned on worked solutions (config "baseAgents") so that the agents start out right about half the time; ' +
          'the result is cached and later runs with the same settings skip this stage. The curves of MAPoRL training appear when it ends.',
      ),
      lossSparkline(stage.losses, stage.total),
    ),
  );
}

function delta(before: number | undefined, after: number | undefined): string {
  if (before === undefined || after === undefined) return '–';
  const d = 100 * (after - before);
  return `${d >= 0 ? '+' : '−'}${Math.abs(d).toFixed(1)}`;
}

export function renderOutcome(root: HTMLElement, outcome: RunOutcome | null | undefined): void {
  if (!outcome || (!outcome.before && !outcome.after)) {
    root.replaceChildren();
    return;
  }
  const turns = Math.max(outcome.before?.length ?? 0, outcome.after?.length ?? 0);
  const cell = (rows: TurnRow[] | null, t: number, f: (r: TurnRow) => string) => h('td', {}, rows?.[t] ? f(rows[t]) : '–');
  const body = Array.from({ length: turns }, (_, t) =>
    h(
      'tr',
      {},
      h('th', { scope: 'row' }, `Turn ${t + 1}`),
      cell(outcome.before, t, (r) => pct(r.majorityAccuracy)),
      cell(outcome.after, t, (r) => pct(r.majorityAccuracy)),
      h('td', { class: 'delta' }, delta(outcome.before?.[t]?.majorityAccuracy, outcome.after?.[t]?.majorityAccuracy)),
      cell(outcome.before, t, (r) => pct(r.meanAgentAccuracy)),
      cell(outcome.after, t, (r) => pct(r.meanAgentAccuracy)),
      cell(outcome.after, t, (r) => (t === 0 ? '–' : `${r.wrongToRight} / ${r.rightToWrong}`)),
    ),
  );
  root.replaceChildren(
    h(
      'section',
      { class: 'outcome', 'aria-label': 'Before and after training' },
      h('h2', {}, `Before and after training${outcome.questions ? ` (${outcome.questions} held-out questions)` : ''}`),
      h(
        'div',
        { class: 'table-scroll' },
        h(
          'table',
          { class: 'turns outcome-table' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ...[
                'Turn',
                'Majority before',
                'after',
                'Δ points',
                'Mean agent before',
                'after',
                'wrong→right / right→wrong (after)',
              ].map((c) => h('th', { scope: 'col' }, c)),
            ),
          ),
          h('tbody', {}, ...body),
        ),
      ),
    ),
  );
}
