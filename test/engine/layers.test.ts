// The engine's low layers import only layers below them, in the order of docs/design.md's "Layers"
// block (the page is the source of truth: reorder it there, and this test follows).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

const ROOT = path.join(__dirname, '..', '..');
const ENGINE = path.join(ROOT, 'src', 'engine');

/** The engine folders of the Layers block, top to bottom. */
function layerOrder(): string[] {
  const design = fs.readFileSync(path.join(ROOT, 'docs', 'design.md'), 'utf8');
  const block = design.split('## Layers')[1].split('```')[1];
  return [...block.matchAll(/^ {2}([a-z]+)\/ /gm)].map((m) => m[1]);
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** The engine folder each relative import (static or dynamic) of `file` lands in. */
function importedLayers(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from |import\()'(\.[^']*)'/g)].map((m) => m[1]);
  return specs.flatMap((s) => {
    const rel = path.relative(ENGINE, path.resolve(path.dirname(file), s));
    return rel.startsWith('..') ? [] : [rel.split(path.sep)[0]];
  });
}

test('core, graph, runtime, io, prompts, nn, generate and tasks import nothing above them', () => {
  const order = layerOrder();
  const low = order.slice(order.indexOf('tasks'));
  assert.ok(low.includes('core') && low.includes('graph') && low.includes('runtime'), `layers read from design.md: ${order}`);
  const upward: string[] = [];
  for (const layer of low) {
    for (const file of sourceFiles(path.join(ENGINE, layer))) {
      for (const target of importedLayers(file)) {
        if (target !== layer && order.includes(target) && order.indexOf(target) < order.indexOf(layer)) upward.push(`${path.relative(ENGINE, file)} -> ${target}`);
      }
    }
  }
  assert.deepEqual(upward, []);
});
