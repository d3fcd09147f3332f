// The transcripts page's handle on VS Code (webview/shared/vscodeApi.ts), typed with the editor's messages.
import type { TranscriptsToHost } from '../../src/protocol/transcriptsEditor';
import { acquireTypedApi } from '../shared/vscodeApi';
import type { ViewState } from './state';

export const vscode = acquireTypedApi<TranscriptsToHost, ViewState>();
