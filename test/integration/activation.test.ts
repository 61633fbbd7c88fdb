import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

describe('activation', () => {
  it('the extension leak-watch.leak-watch activates in the real extension host', async () => {
    const extension = vscode.extensions.getExtension('leak-watch.leak-watch');
    assert.ok(extension, 'leak-watch.leak-watch is loaded in development mode');
    await extension.activate();
    assert.equal(extension.isActive, true);
  });

  it('sees the environment of the test runner', () => {
    assert.equal(process.env.LEAK_WATCH_TEST_LAYER, 'integration');
  });

  it('registers leakWatch.start and leakWatch.stop', async () => {
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('leakWatch.start'), 'leakWatch.start is registered');
    assert.ok(commands.includes('leakWatch.stop'), 'leakWatch.stop is registered');
  });
});
