// The dashboard page's Content Security Policy and markup: nothing by default, scripts by nonce only,
// no eval or inline script, styles and fonts from the extension only; no data inlined.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dashboardHtml } from '../../src/extension/dashboard/dashboardHtml';
import { contentSecurityPolicy, makeNonce } from '../../src/extension/webview/page';

const page = () =>
  dashboardHtml({
    cspSource: 'https://x.vscode-cdn.net',
    scriptUri: 'https://x/dashboard.js',
    styleUri: 'https://x/dashboard.css',
    runDir: '/w/runs/<a "b">',
    title: 'Run: a',
    nonce: 'abc123',
  });

test('the policy is strict', () => {
  const csp = contentSecurityPolicy('https://x.vscode-cdn.net', 'abc123');
  assert.match(csp, /^default-src 'none'; /);
  assert.match(csp, /script-src 'nonce-abc123'(;|$)/);
  assert.doesNotMatch(csp, /unsafe-eval|unsafe-inline|\*/);
  assert.match(csp, /style-src https:\/\/x\.vscode-cdn\.net(;|$)/);
});

test('every script has the nonce and a source; no inline script or handler', () => {
  const html = page();
  const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
  assert.equal(scripts.length, 1);
  assert.match(scripts[0][1], /nonce="abc123"/);
  assert.match(scripts[0][1], /src="https:\/\/x\/dashboard\.js"/);
  assert.equal(scripts[0][2].trim(), '', 'no inline code');
  assert.doesNotMatch(html, /\son[a-z]+=/i, 'no inline event handlers');
  assert.doesNotMatch(html, /style="/, 'no inline styles');
});

test('the run directory is escaped into an attribute', () => {
  assert.match(page(), /data-run-dir="\/w\/runs\/&lt;a &quot;b&quot;&gt;"/);
});

test('nonces are fresh and alphanumeric', () => {
  const a = makeNonce(),
    b = makeNonce();
  assert.notEqual(a, b);
  assert.match(a, /^[A-Za-z0-9]{16,}$/);
});
