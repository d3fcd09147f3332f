// Driving the VS Code workbench in the browser as a user would: the command palette, quick inputs, the
// activity bar, tree views, editor tabs, the status bar, and the inside of a webview panel.
import type { FrameLocator, Page } from 'playwright-core';

export async function waitForWorkbench(page: Page): Promise<void> {
  await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
  await page.waitForSelector('.statusbar', { timeout: 30_000 });
}

/**
 * Runs a command from the palette by its full title (`MAPoRL: Start Training`). Retries while the
 * extension has not registered it yet (the one flake seen in docs/e2e.md) or the palette did not open.
 */
export async function runCommand(page: Page, title: string, attempts = 6): Promise<void> {
  for (let k = 1; ; k++) {
    await page.keyboard.press('Escape');
    // Take the focus back from a webview (its frame would receive the key): the title bar is inert.
    await page
      .locator('.part.titlebar .window-title, .part.titlebar')
      .first()
      .click({ force: true, timeout: 2000 })
      .catch(() => {});
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    // The row whose label starts with the title (not merely the best fuzzy match, which Enter would take).
    const row = page.locator(`.quick-input-widget .monaco-list-row[aria-label^="${title.replace(/"/g, '\\"')}"]`).first();
    try {
      // F1 sometimes does not reach the workbench (focus left in a panel): the palette stays hidden.
      await input.waitFor({ state: 'visible', timeout: 5000 });
      await input.fill(`>${title}`);
      await row.waitFor({ state: 'visible', timeout: 4000 });
      await row.click();
      return;
    } catch (e) {
      if (k >= attempts) throw new Error(`command "${title}" not found in the palette after ${attempts} tries`, { cause: e });
      await page.waitForTimeout(1000);
    }
  }
}

/** Types into the open quick input (input box or quick pick) and accepts. */
export async function answerQuickInput(page: Page, text: string): Promise<void> {
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill(text);
  await page.waitForTimeout(150); // let validation run
  await page.keyboard.press('Enter');
}

/** Types into the open quick pick's filter without accepting, so that rows below the fold come into view. */
export async function filterQuickPick(page: Page, text: string): Promise<void> {
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill(text);
}

/** Picks the quick-pick row containing `text`. */
export async function pickQuickItem(page: Page, text: string): Promise<void> {
  const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: text }).first();
  await row.waitFor({ state: 'visible', timeout: 10_000 });
  await row.click();
}

export async function openViewContainer(page: Page, title: string): Promise<void> {
  const item = page.locator(`.activitybar .action-item a[aria-label^="${title}"]`).first();
  await item.waitFor({ state: 'visible', timeout: 30_000 });
  const selected = await item.evaluate((a) => a.closest('.action-item')?.classList.contains('checked') ?? false);
  if (!selected) await item.click();
}

/** A row of a tree view in the side bar, by the text it shows. */
export function treeRow(page: Page, text: string | RegExp) {
  return page.locator('.sidebar .monaco-list-row', { hasText: text }).first();
}

export function activeTab(page: Page) {
  return page.locator('.tabs-container .tab.active .label-name').first();
}

/** The cursor position the status bar shows, e.g. {line: 7, column: 1}. */
export async function cursorPosition(page: Page): Promise<{ line: number; column: number } | null> {
  const text = await page
    .locator('.statusbar-item', { hasText: /Ln \d+, Col \d+/ })
    .first()
    .textContent({ timeout: 10_000 });
  const m = /Ln (\d+), Col (\d+)/.exec(text ?? '');
  return m ? { line: Number(m[1]), column: Number(m[2]) } : null;
}

/** The page inside the (single) webview panel that is showing. */
export function webviewFrame(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready').last().frameLocator('iframe#active-frame');
}

/** Polls `check` until it returns a truthy value (or throws after `timeoutMs`). */
export async function until<T>(
  what: string,
  check: () => Promise<T | null | undefined | false>,
  timeoutMs = 30_000,
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`,
      );
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
