import type { SnapshotAnalyzer } from '../../../src/core/snapshot/analyzer';

/**
 * Resolves when the next snapshot chunk reaches `analyzer` (a snapshot is streaming). The watch hands
 * chunks over still inside their raw CDP messages, so the connection's parsed listeners do not see them.
 */
export function nextChunk(analyzer: SnapshotAnalyzer): Promise<void> {
  return new Promise((resolve) => {
    const { push, pushMessage } = analyzer;
    const seen = () => {
      analyzer.push = push;
      analyzer.pushMessage = pushMessage;
      resolve();
    };
    analyzer.push = (chunk) => {
      seen();
      push.call(analyzer, chunk);
    };
    analyzer.pushMessage = (message) => {
      seen();
      pushMessage.call(analyzer, message);
    };
  });
}
