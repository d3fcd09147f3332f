// A minimal typed event emitter for the vscode-free host modules (vscode.EventEmitter is not available
// to them, and node's EventEmitter is untyped). Listener errors are isolated from each other.
export type Listener<T> = (value: T) => void;
export interface Disposable {
  dispose(): void;
}

export class Emitter<T> {
  private listeners = new Set<Listener<T>>();

  /** Subscribes; the returned handle unsubscribes. */
  readonly event = (listener: Listener<T>): Disposable => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };

  fire(value: T): void {
    for (const l of [...this.listeners]) {
      try {
        l(value);
      } catch (e) {
        console.error('[maporl] listener failed:', e);
      }
    }
  }

  dispose(): void {
    this.listeners.clear();
  }
}
