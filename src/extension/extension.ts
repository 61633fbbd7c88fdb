import * as vscode from 'vscode';

/** Activation: registers the Leak Watch commands. */
export function activate(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('leakWatch.start', async () => {
      void vscode.window.showInformationMessage('Leak Watch: starting…');
    }),
    vscode.commands.registerCommand('leakWatch.stop', async () => {
      void vscode.window.showInformationMessage('Leak Watch: stopped.');
    }),
  );
}

export function deactivate(): void {}
