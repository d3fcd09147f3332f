// The transcripts editor's page: the shared skeleton (webview/page.ts); the index arrives by message
// once the script asks for it. Pure.
import { webviewHtml, type PageAssets } from '../webview/page';

export function transcriptsHtml(p: PageAssets): string {
  return webviewHtml({ ...p, content: { loading: 'Reading transcripts…' }, live: false });
}
