// The page skeleton every webview of the extension shares (dashboard, comparison, sweep report,
// transcripts editor): a strict Content Security Policy (nothing by default; scripts only by nonce, no
// eval, no inline script; styles and fonts only from the extension's own files), one stylesheet, one
// nonced script. Pages that draw themselves get no data inline: it arrives by message once their script
// asks for it. Pure.
import { randomBytes } from 'node:crypto';

export function makeNonce(): string {
  return randomBytes(18)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, '');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `img-src ${cspSource} data:`,
  ].join('; ');
}

export const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** Where a page's files are (webview URIs of dist/webview/NAME.js and NAME.css) and its title. */
export interface PageAssets {
  cspSource: string;
  scriptUri: string;
  styleUri: string;
  title: string;
  /** Fresh per page unless a test fixes it. */
  nonce?: string;
}

export interface WebviewPage extends PageAssets {
  /**
   * What the page's main region holds: a loading line the script replaces (`loading`), or markup
   * the host drew (`body`, escaped by its builder).
   */
  content: { loading: string } | { body: string };
  /** Extra attributes of <body>, values escaped here. */
  bodyAttributes?: Record<string, string>;
  /** Whether screen readers announce changes of the page's main region. */
  live?: boolean;
}

export function webviewHtml(p: WebviewPage): string {
  const nonce = p.nonce ?? makeNonce();
  const attrs = Object.entries(p.bodyAttributes ?? {})
    .map(([k, v]) => ` ${k}="${escapeHtml(v)}"`)
    .join('');
  const main = 'loading' in p.content ? `<p class="loading">${escapeHtml(p.content.loading)}</p>` : `\n${p.content.body}\n`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(contentSecurityPolicy(p.cspSource, nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeHtml(p.styleUri)}">
<title>${escapeHtml(p.title)}</title>
</head>
<body${attrs}>
<main id="app"${p.live ? ' aria-live="polite"' : ''}>${main}</main>
<script nonce="${nonce}" src="${escapeHtml(p.scriptUri)}"></script>
</body>
</html>
`;
}
