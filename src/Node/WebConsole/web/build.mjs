// Builds the console's page into ../assets (index.html, app.js, app.css), which the datom binary
// embeds. `node build.mjs --check` builds into a temporary folder and fails if the checked-in
// bundle differs from what the sources make (the test suite runs it when npm is at hand).
import * as esbuild from 'esbuild';
import { mkdtempSync, readFileSync, copyFileSync, mkdirSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const assets = join(here, '..', 'assets');
const check = process.argv.includes('--check');
const out = check ? mkdtempSync(join(tmpdir(), 'datom-console-')) : assets;
mkdirSync(out, { recursive: true });

await esbuild.build({
  entryPoints: [join(here, 'src', 'main.js')],
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020'],
  legalComments: 'none',
  charset: 'utf8',
  outfile: join(out, 'app.js'),
  logLevel: 'warning',
});
copyFileSync(join(here, 'src', 'index.html'), join(out, 'index.html'));
copyFileSync(join(here, 'src', 'app.css'), join(out, 'app.css'));

if (check) {
  const names = readdirSync(out).sort();
  const stale = names.filter(n => {
    try { return !readFileSync(join(out, n)).equals(readFileSync(join(assets, n))); } catch { return true; }
  });
  const extra = readdirSync(assets).filter(n => !names.includes(n));
  rmSync(out, { recursive: true, force: true });
  if (stale.length || extra.length) {
    console.error(`the checked-in bundle in ${assets} is not what the sources build (differs: ${[...stale, ...extra].join(', ')}); run 'npm run build' in ${here}`);
    process.exit(1);
  }
  console.log('bundle matches the sources');
}
