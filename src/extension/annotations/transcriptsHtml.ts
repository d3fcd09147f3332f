// The transcripts editor's page: the dashboard's Content Security Policy (nothing by default, scripts by
// nonce only, no eval, no inline script or style) and no data inline: the index arrives by message once
// the script asks for it. Pure.
import { contentSecurityPolicy, escapeHtml, makeNonce } from '../dashboard/dashboardHtml';

export interface TranscriptsPage {
  cspSource: string;
  scriptUri: string;
  styleUri: string;
  title: string;
  nonce?: string;
}

export function transcriptsHtml(p: TranscriptsPage): string {
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
<main id="app"><p class="loading">Reading transcripts…</p></main>
<script nonce="${nonce}" src="${escapeHtml(p.scriptUri)}"></script>
</body>
</html>
`;
}
