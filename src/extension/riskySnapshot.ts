// Asking before a snapshot that may not fit the watched program's memory (core's confirmRisk): a
// modal warning with the guard's numbers; "Skip" (the default button), Cancel or closing the dialog
// refuse it as the guard would.
import * as vscode from 'vscode';
import { onHold } from '../core/memoryGuard';

/** The buttons of the question. */
export const TAKE_IT_ANYWAY = 'Take It Anyway';
export const SKIP = 'Skip';

/**
 * Asks whether to take a snapshot of `target` the program-memory guard would refuse; `message` is the
 * guard's (what it would need, what is left under which limit). Resolves true to take it.
 */
export async function askToTakeRiskySnapshot(target: string, message: string): Promise<boolean> {
  const detail = onHold(message);
  const take: vscode.MessageItem = { title: TAKE_IT_ANYWAY };
  const skip: vscode.MessageItem = { title: SKIP };
  const answer = await vscode.window.showWarningMessage(
    `Leak Watch: the next heap snapshot of ${target} may not fit its memory. Take it anyway?`,
    { modal: true, detail: `${detail}\n\nSkip: it is not taken, and the watch ends here; the samples taken so far are kept.` },
    // Skip first: the safe answer is the default one (Enter); Cancel, Escape or closing the dialog mean it too.
    skip,
    take,
  );
  return answer === take;
}
