// Hovers over the keys of `*.maporl.json`: description and default from the generated schema
// (media/maporl.schema.json) and the value in the experiment's last run (schemaDocs.ts). The last run
// is the newest run directory named after the config (`NAME-<time>`, jobs/runNaming.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { CONFIG_SUFFIX } from '../experiments';
import { keyPathAt } from '../json/jsonLocation';
import { experimentName } from '../jobs/runNaming';
import { RUN_FILES } from '../runData/runDirectory';
import type { RunStore } from '../runData/runStore';
import { hoverMarkdown, type LastRun } from './schemaDocs';

export class ConfigHoverProvider implements vscode.HoverProvider {
  private schema: unknown | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly runs: RunStore,
  ) {}

  provideHover(doc: vscode.TextDocument, position: vscode.Position): vscode.Hover | null {
    if (!doc.fileName.endsWith(CONFIG_SUFFIX)) return null;
    const text = doc.getText();
    const path = keyPathAt(text, doc.offsetAt(position));
    if (!path) return null;
    const md = hoverMarkdown(this.loadSchema(), path, this.lastRun(experimentName(doc.fileName)));
    if (!md) return null;
    const range = doc.getWordRangeAtPosition(position, /"(?:[^"\\]|\\.)*"/);
    return new vscode.Hover(new vscode.MarkdownString(md), range);
  }

  private loadSchema(): unknown {
    this.schema ??= JSON.parse(readFileSync(join(this.extensionUri.fsPath, 'media', 'maporl.schema.json'), 'utf8')) as unknown;
    return this.schema;
  }

  private lastRun(name: string): LastRun | null {
    const pattern = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-\\d{8}-\\d{6}(-\\d+)?$`);
    const run = this.runs
      .list()
      .filter((r) => pattern.test(r.name))
      .sort((a, b) => (b.state.startedAt ?? '').localeCompare(a.state.startedAt ?? '') || b.name.localeCompare(a.name))[0];
    if (!run) return null;
    try {
      return { name: run.name, config: JSON.parse(readFileSync(join(run.dir, RUN_FILES.config), 'utf8')) };
    } catch {
      return null;
    }
  }
}
