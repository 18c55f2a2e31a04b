import { Notification } from '@jupyterlab/apputils';

import { IDisposable } from '@lumino/disposable';

import { Signal } from '@lumino/signaling';

import { Clock, formatCountdown, secondsUntil, Ticker } from './countdown';

import { endedReasonLabel, sessionName } from './labels';

import type { EndedReason, SessionModel } from './models';

import { DEFAULT_SETTINGS } from './settings';

import type { ISessionChange, SessionStore } from './store';

import { usageWarning, usageWarns } from './usage';

/**
 * Where notifications go: JupyterLab's Notification API by default. A
 * notification's id lets the notifier take back a toast that belongs to a
 * session once that session ended.
 */
export interface INotify {
  /** Returns the notification's id, if it has one. */
  info(message: string): unknown;
  warning(message: string): unknown;
  dismiss?(id: string): void;
}

const jupyterNotifications: INotify = {
  info: message => Notification.info(message, { autoClose: 8000 }),
  warning: message => Notification.warning(message, { autoClose: false }),
  dismiss: id => Notification.dismiss(id)
};

/**
 * Reasons that end a session its user did not ask to end: worth a warning
 * rather than an info.
 */
const UNEXPECTED_ENDS: ReadonlySet<EndedReason> = new Set<EndedReason>([
  'max_ttl',
  'kernel_died',
  'provider_lost'
]);

/**
 * Tells the user, once, when a session is about to reach its max TTL and
 * when a session ends; the max-TTL warning is taken back when its session
 * ends (the end's own notification says what happened).
 *
 * Only what this page sees happen is notified: a session that arrives in a
 * snapshot already ended, or already under the threshold, makes no
 * notification (a reload must not replay old news). A session this page
 * saw live and that a reconnection's snapshot shows ended (e.g. the service
 * lost it while the server restarted) is news: it is notified, once. The
 * max-TTL warning fires when a tick or an event finds the remaining time at
 * or under the threshold after an earlier look found it above.
 *
 * Each account's usage warns once, naming the account, when it is first seen
 * at or over `usageWarningFraction` of its limit (a snapshot included: a
 * budget nearly spent is news to a page that just opened); once more only
 * after it fell under again (a new period) and climbed back.
 */
export class SessionNotifier implements IDisposable {
  constructor(options: SessionNotifier.IOptions) {
    this._store = options.store;
    this._now = options.now ?? Date.now;
    this._notify = options.notify ?? jupyterNotifications;
    this.warningThreshold =
      options.warningThreshold ?? DEFAULT_SETTINGS.warningThreshold;
    this._store.sessionChanged.connect(this._onSessionChanged, this);
    this._store.changed.connect(this.check, this);
    this._store.accountsChanged.connect(this._onAccounts, this);
    options.ticker?.ticked.connect(this.check, this);
    this.usageWarningFraction =
      options.usageWarningFraction ?? DEFAULT_SETTINGS.usageWarningFraction;
  }

  /** Seconds before the max TTL at which to warn. */
  warningThreshold: number;

  /** Fraction of an account's QPU time limit at which to warn. */
  get usageWarningFraction(): number {
    return this._usageWarningFraction;
  }

  set usageWarningFraction(fraction: number) {
    this._usageWarningFraction = fraction;
    this._onAccounts();
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Look at every live session's remaining max TTL now (called on each tick
   * and each store change).
   */
  check(): void {
    if (this._isDisposed) {
      return;
    }
    const now = this._now();
    for (const session of this._store.sessions()) {
      const remaining =
        session.state === 'closed'
          ? null
          : secondsUntil(this._store.times(session.id)?.expiresAt ?? null, now);
      const before = this._lastRemaining.get(session.id);
      if (remaining === null) {
        this._lastRemaining.delete(session.id);
        continue;
      }
      this._lastRemaining.set(session.id, remaining);
      const crossed =
        before !== undefined &&
        before > this.warningThreshold &&
        remaining <= this.warningThreshold &&
        remaining > 0;
      if (crossed && !this._warned.has(session.id)) {
        this._warned.add(session.id);
        const id = this._notify.warning(
          `${capitalize(sessionName(session))} reaches its max TTL in ` +
            `${formatCountdown(remaining)}; then it ends and jobs still queued will not run.`
        );
        if (typeof id === 'string') {
          this._toasts.set(session.id, id);
        }
      }
    }
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    // Its connections to the store and the ticker, which may live on.
    Signal.disconnectReceiver(this);
  }

  private _onSessionChanged(_: SessionStore, change: ISessionChange): void {
    const { previous, current, live } = change;
    if (current.state !== 'closed') {
      return;
    }
    this._dismissToast(current.id);
    // A snapshot's ended session is news only if this page saw it live.
    const seenLive = previous !== null && previous.state !== 'closed';
    if ((!live && !seenLive) || previous?.state === 'closed') {
      return;
    }
    if (this._ended.has(current.id)) {
      return;
    }
    this._ended.add(current.id);
    this._notifyEnded(current);
  }

  /** Look at every account's usage (an account event, a snapshot, a new fraction). */
  private _onAccounts(): void {
    if (this._isDisposed) {
      return;
    }
    const warned = new Map<string, boolean>();
    for (const { name, usage } of this._store.accounts()) {
      const before = this._usageWarned.get(name) ?? false;
      if (usage === null) {
        warned.set(name, before); // unknown is no news: the header says so
        continue;
      }
      const warns = usageWarns(usage, this._usageWarningFraction);
      if (warns && !before) {
        this._notify.warning(usageWarning(usage, name));
      }
      warned.set(name, warns);
    }
    this._usageWarned = warned; // an account no longer served is forgotten
  }

  private _dismissToast(sessionId: string): void {
    const id = this._toasts.get(sessionId);
    if (id !== undefined) {
      this._toasts.delete(sessionId);
      this._notify.dismiss?.(id);
    }
  }

  private _notifyEnded(session: SessionModel): void {
    const message = `${capitalize(sessionName(session))} ended: ${endedReasonLabel(
      session.ended_reason
    )}.`;
    if (session.ended_reason && UNEXPECTED_ENDS.has(session.ended_reason)) {
      this._notify.warning(message);
    } else {
      this._notify.info(message);
    }
  }

  private _store: SessionStore;
  private _now: Clock;
  private _notify: INotify;
  private _lastRemaining = new Map<string, number>();
  private _warned = new Set<string>();
  /** The max-TTL warning's toast of each session, until the session ends. */
  private _toasts = new Map<string, string>();
  /** Sessions whose end was notified. */
  private _ended = new Set<string>();
  private _isDisposed = false;
  private _usageWarningFraction: number = DEFAULT_SETTINGS.usageWarningFraction;
  /** Whether each account's usage was last seen warning. */
  private _usageWarned = new Map<string, boolean>();
}

export namespace SessionNotifier {
  export interface IOptions {
    store: SessionStore;
    /** Ticks between events so the threshold is noticed on time. */
    ticker?: Ticker;
    now?: Clock;
    notify?: INotify;
    warningThreshold?: number;
    /** Fraction of an account's QPU time limit at which to warn. */
    usageWarningFraction?: number;
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
