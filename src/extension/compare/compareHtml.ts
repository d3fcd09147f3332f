// The comparison panel's page: the shared skeleton (webview/page.ts); everything arrives by message
// once the script asks for it. Pure.
import { webviewHtml, type PageAssets } from '../webview/page';

export function compareHtml(p: PageAssets): string {
  return webviewHtml({ ...p, content: { loading: 'Loading comparison…' }, live: true });
}
