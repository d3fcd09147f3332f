// The dashboard's handle on VS Code (webview/shared/vscodeApi.ts), typed with its protocol messages.
import type { WebviewToHost } from '../../src/protocol/webview';
import { acquireTypedApi } from '../shared/vscodeApi';
import type { ViewState } from './state';

export const vscode = acquireTypedApi<WebviewToHost, ViewState>();
