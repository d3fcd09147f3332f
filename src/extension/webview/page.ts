// The dashboard page: a strict Content Security Policy (nothing by default; scripts only by nonce, no
// eval, no inline script; styles and fonts only from the extension's own files) and no data inline:
// the run arrives by message once the script asks for it. Pure.
import { randomBytes } from 'node:crypto';

export interface DashboardPage {
  cspSource: string;
  scriptUri: string;
  styleUri: string;
  runDir: string;
  title: string;
  nonce?: string;
}

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

/** The page skeleton every webview shares: the CSP above, one stylesheet, one nonced script, a loading line. */
export interface WebviewPage {
  cspSource: string;
  scriptUri: string;
  styleUri: string;
  title: string;
  nonce?: string;
  /** What the page says until its script has drawn it. */
  loading: string;
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
<main id="app"${p.live ? ' aria-live="polite"' : ''}><p class="loading">${escapeHtml(p.loading)}</p></main>
<script nonce="${nonce}" src="${escapeHtml(p.scriptUri)}"></script>
</body>
</html>
`;
}

export function dashboardHtml(p: DashboardPage): string {
  return webviewHtml({ ...p, loading: 'Loading run…', bodyAttributes: { 'data-run-dir': p.runDir }, live: true });
}
