// Types of ssehub.js: SharedEventSource has EventSource's interface.

export interface SharedEventSourceInit {
  /** Send cookies with a cross-origin stream, as EventSource's option. */
  withCredentials?: boolean;
}

/**
 * An EventSource shared by all tabs of one origin that open the same URL:
 * one tab (elected with the Web Locks API) holds the real stream and
 * forwards every event to the others over a BroadcastChannel. Where Web
 * Locks or BroadcastChannel are missing, the constructor returns a plain
 * EventSource.
 */
export declare class SharedEventSource extends EventTarget {
  constructor(url: string | URL, init?: SharedEventSourceInit);
  static readonly CONNECTING: 0;
  static readonly OPEN: 1;
  static readonly CLOSED: 2;
  readonly CONNECTING: 0;
  readonly OPEN: 1;
  readonly CLOSED: 2;
  /** The absolute URL of the stream. */
  readonly url: string;
  readonly withCredentials: boolean;
  readonly readyState: 0 | 1 | 2;
  onopen: ((this: SharedEventSource, ev: Event) => any) | null;
  onmessage: ((this: SharedEventSource, ev: MessageEvent<string>) => any) | null;
  onerror: ((this: SharedEventSource, ev: Event) => any) | null;
  /** Stops this tab's delivery; a leader also passes the stream on. */
  close(): void;
  addEventListener(type: "open" | "error", listener: (this: SharedEventSource, ev: Event) => any, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: (this: SharedEventSource, ev: MessageEvent<string>) => any, options?: boolean | AddEventListenerOptions): void;
  removeEventListener(type: string, listener: (this: SharedEventSource, ev: any) => any, options?: boolean | EventListenerOptions): void;
}

/** What createShared needs: the browser's objects, or others in tests. */
export interface SharedEnvironment {
  locks?: { request(name: string, options: { mode: "exclusive"; signal?: AbortSignal }, callback: () => any): Promise<any> };
  Channel?: new (name: string) => { postMessage(message: any): void; close(): void; onmessage: ((ev: { data: any }) => any) | null };
  EventSource: new (url: string, init?: SharedEventSourceInit) => any;
  /** The base of relative URLs (default: location.href). */
  base?: string;
}

/** Returns a SharedEventSource class built on env's implementations. */
export declare function createShared(env: SharedEnvironment): typeof SharedEventSource;

export default SharedEventSource;
