// The comparison page's handle on VS Code (webview/shared/vscodeApi.ts), typed with its protocol messages.
import type { CompareToHost } from '../../src/protocol/compareView';
import { acquireTypedApi } from '../shared/vscodeApi';
import type { PageState } from './state';

export const vscode = acquireTypedApi<CompareToHost, PageState>();
