// The sweep report page's script: the host draws the page; this only posts a refresh or the run a
// button names (validated again by the host, protocol/sweepReportView.ts).
import './sweep.css';
import type { SweepReportMessage } from '../../src/protocol/sweepReportView';
import { acquireTypedApi } from '../shared/vscodeApi';

const vscode = acquireTypedApi<SweepReportMessage, never>();

document.addEventListener('click', (e) => {
  const el = (e.target as Element | null)?.closest<HTMLElement>('[data-action]');
  if (!el) return;
  if (el.dataset.action === 'refresh') vscode.postMessage({ type: 'refresh' });
  else if (el.dataset.action === 'openRun' && el.dataset.run) vscode.postMessage({ type: 'openRun', run: el.dataset.run });
});
