// The transcripts page's handle on VS Code, typed with the editor's messages.
import type { TranscriptsToHost } from '../../src/protocol/transcriptsEditor';
import type { ViewState } from './state';

interface VsCodeApi {
  postMessage(message: TranscriptsToHost): void;
  getState(): unknown;
  setState(state: ViewState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** acquireVsCodeApi may be called once per page: this is that call. */
export const vscode: VsCodeApi = acquireVsCodeApi();
