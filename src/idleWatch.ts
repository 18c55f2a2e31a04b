import { IDisposable } from '@lumino/disposable';

import { Signal } from '@lumino/signaling';

import type { ISessionsAPI } from './api';

import type { SessionStore } from './store';

/**
 * Keeps `store.idleSessions` (what enables "Close idle sessions") in step
 * with the server, which owns what idle means (`GET sessions?idle=true`).
 *
 * Whether a session is idle changes only when the session does (its state,
 * whether it takes jobs, its jobs' statuses), never with the clock; so the
 * list is asked again after the store changed, never on a timer. Changes
 * that arrive while a request is out make one more request once it
 * returns, so a burst of events costs at most two. Nothing is asked while
 * the user may not write, before the first snapshot, while disconnected, or
 * while no session is open (a closed session is never idle).
 */
export class IdleWatch implements IDisposable {
  constructor(api: ISessionsAPI, store: SessionStore) {
    this._api = api;
    this._store = store;
    store.changed.connect(this.refresh, this);
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Ask the server again (once the request out, if any, returned). */
  refresh(): void {
    if (this._isDisposed) {
      return;
    }
    if (this._pending) {
      this._again = true;
      return;
    }
    const store = this._store;
    if (
      !store.info?.can_write ||
      !store.hasSnapshot ||
      store.connection !== 'connected'
    ) {
      store.idleSessions = store.info && !store.info.can_write ? [] : null;
      return;
    }
    if (store.sessions().every(session => session.state === 'closed')) {
      store.idleSessions = [];
      return;
    }
    this._pending = true;
    this._api
      .idleSessions()
      .then(
        sessions => {
          if (!this._isDisposed) {
            store.idleSessions = sessions.map(session => session.id);
          }
        },
        error => {
          // Unknown: the button stays usable, and a click asks again.
          console.warn('Cannot list the idle qsession sessions.', error);
          if (!this._isDisposed) {
            store.idleSessions = null;
          }
        }
      )
      .finally(() => {
        this._pending = false;
        if (this._again) {
          this._again = false;
          this.refresh();
        }
      });
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    Signal.disconnectReceiver(this);
  }

  private _api: ISessionsAPI;
  private _store: SessionStore;
  private _pending = false;
  private _again = false;
  private _isDisposed = false;
}
