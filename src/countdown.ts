import { IDisposable } from '@lumino/disposable';

import { ISignal, Signal } from '@lumino/signaling';

/**
 * A clock in milliseconds since the epoch; `Date.now` in the app, a fixed or
 * stepped value in tests. Everything that depends on "now" takes one.
 */
export type Clock = () => number;

/**
 * Whole seconds from `now` until the deadline `until` (both ms since the
 * epoch), rounded up so that a countdown reads 0:00 exactly when the deadline
 * passes; never negative.
 *
 * @returns null when there is no deadline
 */
export function secondsUntil(until: number | null, now: number): number | null {
  if (until === null) {
    return null;
  }
  return Math.max(0, Math.ceil((until - now) / 1000));
}

/**
 * Whether the deadline `until` (ms since the epoch) has passed at `now`.
 */
export function isExpired(until: number | null, now: number): boolean {
  return secondsUntil(until, now) === 0;
}

/**
 * A countdown as `m:ss`, or `h:mm:ss` from one hour on (`59:59`, `1:00:00`).
 * Negative and fractional inputs are clamped and rounded up.
 */
export function formatCountdown(seconds: number): string {
  const total = Math.max(0, Math.ceil(seconds));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const secs = total % 60;
  const ss = String(secs).padStart(2, '0');
  if (hours > 0) {
    return `${hours}:${String(minutes).padStart(2, '0')}:${ss}`;
  }
  return `${minutes}:${ss}`;
}

/**
 * QPU usage for people: `0 s`, `42 s`, `3 min 5 s`, `1 h 2 min`.
 */
export function formatUsage(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  if (total < 60) {
    return `${total} s`;
  }
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  if (hours > 0) {
    return `${hours} h ${minutes} min`;
  }
  return `${minutes} min ${total % 60} s`;
}

/**
 * The one timer of the sidebar: it emits `ticked` once a second so that
 * countdowns advance locally between server events (which is why there is
 * no polling). The timer functions are injectable so tests tick by hand.
 */
export class Ticker implements IDisposable {
  constructor(options: Ticker.IOptions = {}) {
    this._interval = options.interval ?? 1000;
    this._setInterval =
      options.setInterval ?? ((fn, ms) => setInterval(fn, ms));
    this._clearInterval = options.clearInterval ?? (h => clearInterval(h));
  }

  /**
   * Emitted on every tick.
   */
  get ticked(): ISignal<this, void> {
    return this._ticked;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  get isRunning(): boolean {
    return this._handle !== null;
  }

  /**
   * Start ticking; a no-op when already running.
   */
  start(): void {
    if (this._handle !== null || this._isDisposed) {
      return;
    }
    this._handle = this._setInterval(() => this.tick(), this._interval);
  }

  stop(): void {
    if (this._handle !== null) {
      this._clearInterval(this._handle);
      this._handle = null;
    }
  }

  /**
   * Emit one tick now (the timer calls this; so may a caller that needs the
   * views refreshed at once).
   */
  tick(): void {
    if (!this._isDisposed) {
      this._ticked.emit();
    }
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this.stop();
    this._isDisposed = true;
    Signal.clearData(this);
  }

  private _interval: number;
  private _setInterval: (fn: () => void, ms: number) => any;
  private _clearInterval: (handle: any) => void;
  private _handle: any = null;
  private _isDisposed = false;
  private _ticked = new Signal<this, void>(this);
}

export namespace Ticker {
  export interface IOptions {
    /** Milliseconds between ticks; 1000 by default. */
    interval?: number;
    setInterval?: (fn: () => void, ms: number) => any;
    clearInterval?: (handle: any) => void;
  }
}
