// The comparison panel's page: the dashboard's Content Security Policy (nothing by default, scripts by
// nonce only, styles and fonts from the extension) and no data inline: everything arrives by message
// once the script asks for it. Pure.
import { webviewHtml } from '../dashboard/dashboardHtml';

export interface ComparePage {
  cspSource: string;
  scriptUri: string;
  styleUri: string;
  title: string;
  nonce?: string;
}

export function compareHtml(p: ComparePage): string {
  return webviewHtml({ ...p, loading: 'Loading comparison…', live: true });
}
