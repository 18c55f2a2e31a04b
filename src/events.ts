import { URLExt } from '@jupyterlab/coreutils';

import { ServerConnection } from '@jupyterlab/services';

import { IDisposable } from '@lumino/disposable';

import { ISignal, Signal } from '@lumino/signaling';

import type { Clock } from './countdown';

import type { SessionEvent } from './models';

import { API_NAMESPACE } from './request';

/** The messages the stream forwards; anything else is logged and dropped. */
const EVENT_TYPES: ReadonlySet<string> = new Set<SessionEvent['type']>([
  'snapshot',
  'session',
  'account'
]);

/**
 * The part of a WebSocket the stream uses, so tests can pass a fake.
 */
export interface IEventSocket {
  onopen: ((event: any) => void) | null;
  onmessage: ((event: { data: any }) => void) | null;
  onclose: ((event: any) => void) | null;
  onerror: ((event: any) => void) | null;
  close(): void;
}

export type SocketFactory = (url: string) => IEventSocket;

/**
 * Where the stream stands:
 * - `connecting`: the first connection is being made;
 * - `connected`: the socket is open (the snapshot comes first);
 * - `reconnecting`: the socket closed and a new one is scheduled or being made;
 * - `disposed`: the stream was stopped for good.
 */
export type ConnectionStatus =
  'connecting' | 'connected' | 'reconnecting' | 'disposed';

/**
 * The URL of the events socket. The token is appended when the settings carry
 * one, as JupyterLab's kernel sockets do, because a browser cannot set an
 * Authorization header on a WebSocket.
 */
export function eventsUrl(settings: ServerConnection.ISettings): string {
  const url = URLExt.join(settings.wsUrl, API_NAMESPACE, 'events');
  return settings.token
    ? `${url}?token=${encodeURIComponent(settings.token)}`
    : url;
}

/**
 * The delay before reconnect attempt `attempt` (0 for the first):
 * `initial * factor^attempt`, capped at `max`. Exponential, so a server that
 * is down is not hammered; capped, so the sidebar comes back soon after it is up.
 */
export function backoffDelay(
  attempt: number,
  backoff: SessionEventStream.IBackoff = DEFAULT_BACKOFF
): number {
  const delay = backoff.initial * Math.pow(backoff.factor, attempt);
  return Math.min(backoff.max, delay);
}

export const DEFAULT_BACKOFF: SessionEventStream.IBackoff = {
  initial: 1000,
  factor: 2,
  max: 30000
};

/**
 * The live feed of session changes over `qsession/api/events`: a snapshot on
 * every (re)connection, then one event per change of a session or of an
 * account (its state, backends or usage). When the socket closes it
 * reconnects with exponential backoff; the attempt count resets once a
 * snapshot arrives, so a server that accepts and then drops the socket does
 * not get a fast reconnect loop.
 */
export class SessionEventStream implements IDisposable {
  constructor(options: SessionEventStream.IOptions) {
    this._url = options.url;
    this._socketFactory =
      options.socketFactory ?? (url => new WebSocket(url) as IEventSocket);
    this._schedule = options.schedule ?? ((fn, ms) => setTimeout(fn, ms));
    this._unschedule = options.unschedule ?? (h => clearTimeout(h));
    this._now = options.now ?? Date.now;
    this._backoff = options.backoff ?? DEFAULT_BACKOFF;
  }

  /** Emitted for every well-formed message, snapshot or change. */
  get received(): ISignal<this, SessionEvent> {
    return this._received;
  }

  get statusChanged(): ISignal<this, ConnectionStatus> {
    return this._statusChanged;
  }

  get status(): ConnectionStatus {
    return this._status;
  }

  /**
   * When the next reconnect attempt is due (ms since the epoch), or null when
   * none is scheduled.
   */
  get retryAt(): number | null {
    return this._retryAt;
  }

  /** How many reconnect attempts were made since the last snapshot. */
  get attempts(): number {
    return this._attempt;
  }

  get isDisposed(): boolean {
    return this._status === 'disposed';
  }

  /**
   * Open the socket; a no-op while one is open or being opened.
   */
  connect(): void {
    if (this.isDisposed || this._socket) {
      return;
    }
    if (this._timer !== null) {
      this._unschedule(this._timer);
      this._timer = null;
    }
    this._retryAt = null;
    let socket: IEventSocket;
    try {
      socket = this._socketFactory(this._url);
    } catch (error) {
      console.warn('Cannot open the qsession events socket.', error);
      this._scheduleReconnect();
      return;
    }
    this._socket = socket;
    socket.onopen = () => {
      if (this._socket === socket) {
        this._setStatus('connected');
      }
    };
    socket.onmessage = message => {
      if (this._socket === socket) {
        this._onMessage(message.data);
      }
    };
    socket.onclose = () => {
      if (this._socket === socket) {
        this._socket = null;
        this._scheduleReconnect();
      }
    };
    // A failed socket also fires `close`, which is where reconnecting happens.
    socket.onerror = () => undefined;
    if (this._status !== 'reconnecting') {
      this._setStatus('connecting');
    }
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    if (this._timer !== null) {
      this._unschedule(this._timer);
      this._timer = null;
    }
    const socket = this._socket;
    this._socket = null;
    this._retryAt = null;
    this._setStatus('disposed');
    if (socket) {
      socket.close();
    }
    Signal.clearData(this);
  }

  private _onMessage(data: any): void {
    let event: SessionEvent;
    try {
      event = typeof data === 'string' ? JSON.parse(data) : data;
    } catch {
      console.warn('Ignoring a qsession event that is not JSON.', data);
      return;
    }
    if (!event || !EVENT_TYPES.has(event.type)) {
      console.warn('Ignoring an unknown qsession event.', event);
      return;
    }
    if (event.type === 'snapshot') {
      this._attempt = 0;
    }
    this._received.emit(event);
  }

  private _scheduleReconnect(): void {
    if (this.isDisposed) {
      return;
    }
    const delay = backoffDelay(this._attempt, this._backoff);
    this._attempt += 1;
    this._retryAt = this._now() + delay;
    this._timer = this._schedule(() => {
      this._timer = null;
      this.connect();
    }, delay);
    this._setStatus('reconnecting');
  }

  private _setStatus(status: ConnectionStatus): void {
    if (this._status === status) {
      return;
    }
    this._status = status;
    this._statusChanged.emit(status);
  }

  private _url: string;
  private _socketFactory: SocketFactory;
  private _schedule: (fn: () => void, ms: number) => any;
  private _unschedule: (handle: any) => void;
  private _now: Clock;
  private _backoff: SessionEventStream.IBackoff;
  private _socket: IEventSocket | null = null;
  private _timer: any = null;
  private _attempt = 0;
  private _retryAt: number | null = null;
  private _status: ConnectionStatus = 'connecting';
  private _received = new Signal<this, SessionEvent>(this);
  private _statusChanged = new Signal<this, ConnectionStatus>(this);
}

export namespace SessionEventStream {
  export interface IBackoff {
    /** Delay before the first reconnect attempt, in ms. */
    initial: number;
    /** Each further attempt waits this many times longer. */
    factor: number;
    /** The longest wait, in ms. */
    max: number;
  }

  export interface IOptions {
    /** The socket URL, usually `eventsUrl(serverSettings)`. */
    url: string;
    /** Makes the socket; a browser WebSocket by default. */
    socketFactory?: SocketFactory;
    /** Timer functions for the reconnect delay; setTimeout by default. */
    schedule?: (fn: () => void, ms: number) => any;
    unschedule?: (handle: any) => void;
    /** The clock `retryAt` is read from. */
    now?: Clock;
    backoff?: IBackoff;
  }
}
