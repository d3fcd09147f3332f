// The comparison page's handle on VS Code, typed with the protocol's messages.
import type { CompareToHost } from '../../src/protocol/compareView';
import type { PageState } from './state';

interface VsCodeApi {
  postMessage(message: CompareToHost): void;
  getState(): unknown;
  setState(state: PageState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** acquireVsCodeApi may be called once per page: this is that call. */
export const vscode: VsCodeApi = acquireVsCodeApi();
