// `npm run package` makes leak-watch.vsix with only what the extension needs, and that package
// installs into the real VS Code (code-server --install-extension, fresh extensions dir).
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { codeServerCli, makeProfile, type Profile } from '../../scripts/code-server.mjs';
import { repoRoot } from './vscode';

const vsix = join(repoRoot, 'leak-watch.vsix');
const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { publisher: string; name: string; version: string };

/** Names of the entries of a zip file, read from its central directory. */
function zipEntries(file: string): string[] {
  const zip = readFileSync(file);
  let end = zip.length - 22;
  while (end >= 0 && zip.readUInt32LE(end) !== 0x06054b50) end--;
  assert.ok(end >= 0, `${file} is a zip file`);
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    assert.equal(zip.readUInt32LE(at), 0x02014b50, 'central directory entry');
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    names.push(zip.toString('utf8', at + 46, at + 46 + nameLength));
    at += 46 + nameLength + extraLength + commentLength;
  }
  return names;
}

describe('npm run package', function () {
  let profile: Profile | undefined;

  before(function () {
    this.timeout(300_000);
    rmSync(vsix, { force: true });
    const run = spawnSync('npm', ['run', 'package'], { cwd: repoRoot, encoding: 'utf8', timeout: 240_000 });
    // The package is a production build; put the development build back for the other suites.
    spawnSync(process.execPath, [join(repoRoot, 'scripts/build.mjs')], { cwd: repoRoot, stdio: 'ignore' });
    assert.equal(run.status, 0, `npm run package failed:\n${run.stdout}\n${run.stderr}`);
  });

  after(() => {
    if (profile) rmSync(profile.dir, { recursive: true, force: true });
  });

  it('makes leak-watch.vsix holding only dist/, media/, the manifest, README and LICENSE', () => {
    assert.ok(existsSync(vsix), 'leak-watch.vsix exists');
    const entries = zipEntries(vsix);
    const allowed = /^(\[Content_Types\]\.xml|extension\.vsixmanifest|extension\/(dist\/.+|media\/.+|package\.json|readme\.md|LICENSE(\.txt)?))$/i;
    assert.deepEqual(entries.filter((e) => !allowed.test(e)), [], 'nothing else is packed');
    for (const needed of ['extension/package.json', 'extension/dist/extension.js', 'extension/dist/snapshotWorker.js', 'extension/dist/snapshotHelper.js', 'extension/dist/webview.js']) {
      assert.ok(entries.includes(needed), `${needed} is packed`);
    }
  });

  it('installs into code-server and is listed', () => {
    profile = makeProfile();
    const install = codeServerCli(['--install-extension', vsix], profile);
    assert.equal(install.status, 0, `--install-extension failed:\n${install.stdout}\n${install.stderr}`);
    const list = codeServerCli(['--list-extensions', '--show-versions'], profile);
    assert.equal(list.status, 0, list.stderr);
    const id = `${manifest.publisher}.${manifest.name}@${manifest.version}`;
    assert.ok(list.stdout.split('\n').includes(id), `${id} is listed in:\n${list.stdout}`);
    const installed = join(profile.extensionsDir, `${manifest.publisher}.${manifest.name}-${manifest.version}`, 'dist/extension.js');
    assert.ok(existsSync(installed), `${installed} exists`);
  });
});
