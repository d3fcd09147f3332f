// The dashboard page: the shared skeleton (webview/page.ts) with the run directory on <body>; the run
// arrives by message once the script asks for it. Pure.
import { webviewHtml, type PageAssets } from '../webview/page';

export function dashboardHtml(p: PageAssets & { runDir: string }): string {
  return webviewHtml({ ...p, content: { loading: 'Loading run…' }, bodyAttributes: { 'data-run-dir': p.runDir }, live: true });
}
