// Every webview of the extension, checked automatically: each place that sets a webview's HTML uses a
// page builder tested here (a new webview fails this test until it is added), and each page has a
// Content Security Policy with nothing by default and neither 'unsafe-inline' nor 'unsafe-eval', a
// nonce on every script (which has a source and no inline code), no inline event handler, and fresh
// nonces; each webview's localResourceRoots is the built pages' folder (dist/webview) alone, and no
// webview enables command URIs.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { transcriptsHtml } from '../../src/extension/annotations/transcriptsHtml';
import { compareHtml } from '../../src/extension/compare/compareHtml';
import { dashboardHtml } from '../../src/extension/dashboard/dashboardHtml';
import { sweepReportHtml } from '../../src/extension/sweeps/sweepReportHtml';

const SRC = join(__dirname, '..', '..', 'src', 'extension');
const hostile = '</title><script>alert(1)</script>"\'';
const common = {
  cspSource: 'https://x.vscode-cdn.net',
  scriptUri: 'https://x/page.js',
  styleUri: 'https://x/page.css',
  title: hostile,
};

/** The page builders, by the name the host calls them with, and a page each builds (nonce given or fresh). */
const PAGES: Record<string, (nonce?: string) => string> = {
  dashboardHtml: (nonce) => dashboardHtml({ ...common, runDir: `/w/runs/${hostile}`, nonce }),
  compareHtml: (nonce) => compareHtml({ ...common, nonce }),
  transcriptsHtml: (nonce) => transcriptsHtml({ ...common, nonce }),
  sweepReportHtml: (nonce) =>
    sweepReportHtml(
      {
        dir: `/w/runs/${hostile}`,
        report: {
          name: hostile,
          runs: 1,
          finished: 0,
          cells: [
            {
              cell: hostile,
              overrides: {},
              runs: [`${hostile}__seed-0`],
              finished: 0,
              majorityAccuracyBefore: [],
              majorityAccuracyAfter: [],
              meanAgentAccuracyAfter: [],
              metrics: {},
            },
          ],
        },
        curves: [
          {
            cell: hostile,
            seeds: 2,
            band: [
              { step: 1, mean: 0, std: 1, n: 2 },
              { step: 2, mean: 1, std: 1, n: 2 },
            ],
          },
        ],
      },
      { ...common, nonce },
    ),
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}
const files = sources(SRC).map((f) => ({ file: relative(SRC, f), text: readFileSync(f, 'utf8') }));

test('every webview gets its HTML from a page builder checked here', () => {
  const used = files.flatMap(({ file, text }) =>
    [...text.matchAll(/\.html\s*=\s*([A-Za-z_$][\w$]*)\(/g)].map((m) => ({ file, builder: m[1] })),
  );
  assert.ok(used.length >= Object.keys(PAGES).length, 'the webviews were found');
  for (const { file, builder } of used)
    assert.ok(builder in PAGES, `${file} sets a webview's HTML with ${builder}: add it to PAGES in this test`);
  for (const builder of Object.keys(PAGES))
    assert.ok(
      used.some((u) => u.builder === builder),
      `${builder} is used`,
    );
});

/** The CSP of a page as directive -> sources. */
function policyOf(html: string): Map<string, string[]> {
  const metas = [...html.matchAll(/<meta http-equiv="Content-Security-Policy" content="([^"]*)">/g)];
  assert.equal(metas.length, 1, 'one CSP meta tag');
  const text = metas[0][1]
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
  return new Map(
    text
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...src]) => [name, src]),
  );
}

for (const [name, build] of Object.entries(PAGES)) {
  test(`${name}: a strict CSP, a nonce on every script, nothing inline`, () => {
    const html = build('N0nce123');
    const csp = policyOf(html);
    assert.deepEqual(csp.get('default-src'), ["'none'"]);
    assert.deepEqual(csp.get('script-src'), ["'nonce-N0nce123'"], 'scripts by nonce only');
    for (const [directive, src] of csp) {
      for (const s of src) {
        assert.ok(
          !["'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "'wasm-unsafe-eval'", '*', 'http:', 'https:'].includes(s),
          `${directive} allows ${s}`,
        );
      }
    }
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    assert.ok(scripts.length >= 1);
    for (const [, attrs, body] of scripts) {
      assert.match(attrs, /\snonce="N0nce123"/, 'the nonce');
      assert.match(attrs, /\ssrc="https:\/\/x\/page\.js"/, 'a source');
      assert.equal(body.trim(), '', 'no inline code');
    }
    assert.equal((html.match(/<script\b/gi) ?? []).length, scripts.length, 'the hostile title is escaped, not a script');
    assert.doesNotMatch(html, /\son[a-z]+\s*=/i, 'no inline event handlers');
    assert.doesNotMatch(html, /javascript:/i);
  });

  test(`${name}: a fresh nonce per page, the same in the policy and the scripts`, () => {
    const nonces = [build(), build()].map((html) => {
      const [src] = policyOf(html).get('script-src')!;
      const nonce = /^'nonce-([A-Za-z0-9+/=]{16,})'$/.exec(src)?.[1];
      assert.ok(nonce, src);
      for (const [, attrs] of html.matchAll(/<script\b([^>]*)>/gi)) assert.ok(attrs.includes(`nonce="${nonce}"`));
      return nonce;
    });
    assert.notEqual(nonces[0], nonces[1]);
  });
}

test('localResourceRoots: the built pages alone (dist/webview); no command URIs', () => {
  const roots = files.flatMap(({ file, text }) =>
    [...text.matchAll(/localResourceRoots:\s*(\[[^\]]*\])/g)].map((m) => ({ file, roots: m[1] })),
  );
  assert.ok(roots.length >= 2, 'the panel registry and the transcripts editor state their roots');
  for (const { file, roots: r } of roots) {
    assert.match(r, /^\[\s*vscode\.Uri\.joinPath\([\w.]+, 'dist', 'webview'\)\s*\]$/, `${file}: localResourceRoots ${r}`);
  }
  for (const { file, text } of files) assert.doesNotMatch(text, /enableCommandUris:\s*true/, file);
  const webviews = files.filter(({ text }) => /enableScripts:\s*true/.test(text));
  for (const { file, text } of webviews)
    assert.match(text, /localResourceRoots:/, `${file} enables scripts without limiting its resources`);
});

test('one panel registry: every webview panel is created by src/extension/webview/panelRegistry.ts', () => {
  const creators = files.filter(({ text }) => /createWebviewPanel\(/.test(text)).map(({ file }) => file);
  assert.deepEqual(creators, [join('webview', 'panelRegistry.ts')]);
});
