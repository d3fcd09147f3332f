// The transcripts editor's page: the dashboard's Content Security Policy (nothing by default, scripts by
// nonce only, no eval, no inline script or style) and no data inline: the index arrives by message once
// the script asks for it. Pure.
import { webviewHtml } from '../dashboard/dashboardHtml';

export interface TranscriptsPage {
  cspSource: string;
  scriptUri: string;
  styleUri: string;
  title: string;
  nonce?: string;
}

export function transcriptsHtml(p: TranscriptsPage): string {
  return webviewHtml({ ...p, loading: 'Reading transcripts…', live: false });
}
