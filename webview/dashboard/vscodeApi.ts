// The webview's handle on VS Code, typed with the protocol's messages.
import type { WebviewToHost } from '../../src/protocol/webview';
import type { ViewState } from './state';

interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
  getState(): unknown;
  setState(state: ViewState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** acquireVsCodeApi may be called once per page: this is that call. */
export const vscode: VsCodeApi = acquireVsCodeApi();
