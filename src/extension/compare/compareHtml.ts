// The comparison panel's page: the dashboard's Content Security Policy (nothing by default, scripts by
// nonce only, styles and fonts from the extension) and no data inline: everything arrives by message
// once the script asks for it. Pure.
import { contentSecurityPolicy, escapeHtml, makeNonce } from '../dashboard/dashboardHtml';

export interface ComparePage { cspSource: string; scriptUri: string; styleUri: string; title: string; nonce?: string }

export function compareHtml(p: ComparePage): string {
  const nonce = p.nonce ?? makeNonce();
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(contentSecurityPolicy(p.cspSource, nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeHtml(p.styleUri)}">
<title>${escapeHtml(p.title)}</title>
</head>
<body>
<main id="app" aria-live="polite"><p class="loading">Loading comparison…</p></main>
<script nonce="${nonce}" src="${escapeHtml(p.scriptUri)}"></script>
</body>
</html>
`;
}
