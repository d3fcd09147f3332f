// A page's handle on VS Code, typed with the messages it may post and the view state it saves.
// acquireVsCodeApi may be called once per page: each page's own vscodeApi.ts makes that call.

export interface VsCodeApi<ToHost, State> {
  postMessage(message: ToHost): void;
  getState(): unknown;
  setState(state: State): void;
}

declare function acquireVsCodeApi(): VsCodeApi<unknown, unknown>;

export function acquireTypedApi<ToHost, State>(): VsCodeApi<ToHost, State> {
  return acquireVsCodeApi();
}
