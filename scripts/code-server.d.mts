// Types for scripts/code-server.mjs, so that the TypeScript E2E helpers can use it.
import type { ChildProcess } from 'node:child_process';
import type { Browser } from 'playwright-core';

export const repoRoot: string;
export const toolsDir: string;
export const chromiumPath: string;
export const cleanSettings: Record<string, unknown>;
export const chromiumArgs: string[];

export interface VSCodeTools {
  node: string;
  entry: string;
}
export function vscodeTools(): VSCodeTools;
export function ensureVSCodeTools(): VSCodeTools;
export function freePort(): Promise<number>;

export interface Profile {
  dir: string;
  userDataDir: string;
  extensionsDir: string;
  config: string;
}
export function makeProfile(settings?: Record<string, unknown>): Profile;
export function codeServerCli(args: string[], profile: Profile): { status: number | null; stdout: string; stderr: string };
export function killGroup(pid: number, graceMs?: number): Promise<void>;

export interface CodeServer {
  port: number;
  url: string;
  pid: number;
  profile: Profile;
  process: ChildProcess;
  output(): string;
  stop(options?: { keepProfile?: boolean }): Promise<void>;
}
export function startCodeServer(options?: {
  folder?: string;
  settings?: Record<string, unknown>;
  port?: number;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  profile?: Profile;
}): Promise<CodeServer>;

export function workbenchUrl(
  server: CodeServer,
  options?: { folder?: string; extensionDevelopmentPath?: string; extensionTestsPath?: string; openFile?: string },
): string;
export function launchChromium(options?: { headless?: boolean }): Promise<Browser>;
