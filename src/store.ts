import { IDisposable } from '@lumino/disposable';

import { ISignal, Signal } from '@lumino/signaling';

import { accountSections, AccountRoster, IAccountSection } from './accounts';

import type { ConnectionStatus } from './events';

import { ORIGIN_WORDS } from './models';

import type {
  AccountModel,
  ServerInfo,
  SessionEvent,
  SessionModel,
  SessionOrigin
} from './models';

import { recordedName } from './kernelNames';

import { shortId } from './labels';

import { ISessionTimes, sessionTimes } from './times';

/**
 * The notebook (or console) a kernel belongs to, from Jupyter's sessions API.
 */
export interface IKernelName {
  /** What to show: the notebook's file name. */
  name: string;
  /** Its path, for the tooltip. */
  path: string;
}

/** The key of the group of sessions found elsewhere on the account (no kernel id looks like it). */
export const ELSEWHERE_KEY = '@elsewhere';

/**
 * Sessions of one kernel, or those found elsewhere on the account, as the
 * sidebar lists them.
 */
export interface ISessionGroup {
  /**
   * Stable key: the kernel id, '' for sessions without a kernel, or
   * `ELSEWHERE_KEY`.
   */
  key: string;
  kernelId: string | null;
  /** How the server came to know the group's sessions. */
  origin: SessionOrigin;
  /** The notebook name, 'Kernel <short id>', 'No kernel' or `ORIGIN_WORDS.elsewhere`. */
  label: string;
  /** Longer description for the tooltip. */
  title: string;
  /** In the server's order (newest registered first). */
  sessions: SessionModel[];
}

/** One account's part of the sidebar: its header, then its sessions' groups. */
export type IAccountSectionOfGroups = IAccountSection<ISessionGroup>;

/**
 * One session that changed.
 *
 * `live` is false for sessions that arrived in a snapshot (on connect or
 * reconnect): they were not seen changing, so they deserve no notification.
 */
export interface ISessionChange {
  previous: SessionModel | null;
  current: SessionModel;
  live: boolean;
}

/**
 * What a `changed` signal covers: the id of the one session an event
 * replaced or added, or null when anything may have changed (a snapshot, the
 * server info, kernel names, the connection, a problem).
 */
export type StoreChange = string | null;

/**
 * Whether the user may close or cancel a session, and if not, why (the
 * disabled buttons' tooltip).
 */
export type Permission = { allowed: true } | { allowed: false; reason: string };

/** Whether two permissions say the same (a view re-renders when not). */
export function samePermission(a: Permission, b: Permission): boolean {
  const reason = (p: Permission) => (p.allowed ? '' : p.reason);
  return a.allowed === b.allowed && reason(a) === reason(b);
}

/**
 * The one model of the sidebar: the sessions the event stream reported (in
 * the server's order, newest registered first; each session's jobs as the
 * server sorted them, newest first), the accounts the lab serves (each with
 * its state and QPU usage), what the server says the user may do, the names of the kernels, and the state of
 * the connection. It holds no
 * timers and reads no clock; it parses each session's times once, on
 * arrival (`times`), and views derive countdowns from them.
 */
export class SessionStore implements IDisposable {
  /** Emitted after any change, once per event, with what it covers. */
  get changed(): ISignal<this, StoreChange> {
    return this._changed;
  }

  /** Emitted for each session an event added or replaced, before `changed`. */
  get sessionChanged(): ISignal<this, ISessionChange> {
    return this._sessionChanged;
  }

  /**
   * Emitted when an account changes (its state, backends or usage), appears
   * or goes, with its name; null after a snapshot (any may have). A snapshot
   * emits `changed` first, so a view rendering on `changed` shows the new
   * accounts already.
   */
  get accountsChanged(): ISignal<this, string | null> {
    return this._accountsChanged;
  }

  /**
   * The accounts the lab serves, the lab's emulator first, then by name;
   * empty before a snapshot. Each carries its QPU usage (null: not known).
   */
  accounts(): AccountModel[] {
    return this._accounts.list();
  }

  account(name: string): AccountModel | undefined {
    return this._accounts.get(name);
  }

  /**
   * The ids of the user's idle sessions, as the server last listed them
   * (`GET sessions?idle=true`; the server owns what idle means); null while
   * nobody asked.
   */
  get idleSessions(): ReadonlyArray<string> | null {
    return this._idle;
  }

  set idleSessions(ids: ReadonlyArray<string> | null) {
    const same =
      ids === this._idle ||
      (ids !== null &&
        this._idle !== null &&
        ids.length === this._idle.length &&
        ids.every((id, i) => id === this._idle![i]));
    if (same) {
      return;
    }
    this._idle = ids;
    this._idleChanged.emit(ids);
  }

  /** Emitted when `idleSessions` changes (only the header shows it). */
  get idleChanged(): ISignal<this, ReadonlyArray<string> | null> {
    return this._idleChanged;
  }

  get info(): ServerInfo | null {
    return this._info;
  }

  set info(info: ServerInfo | null) {
    this._info = info;
    this._nextAgeOut = null;
    this._changed.emit(null);
  }

  get connection(): ConnectionStatus {
    return this._connection;
  }

  set connection(status: ConnectionStatus) {
    if (status === this._connection) {
      return;
    }
    this._connection = status;
    this._changed.emit(null);
  }

  /**
   * Why the sidebar may be showing less than it should (the server extension
   * is missing, speaks another API version or cannot use its session
   * registry), or null when all is well.
   */
  get problem(): string | null {
    return this._problem;
  }

  set problem(problem: string | null) {
    if (problem === this._problem) {
      return;
    }
    this._problem = problem;
    this._changed.emit(null);
  }

  /**
   * What the server says the user should know although nothing stopped
   * (e.g. registry rows it could not read and set aside).
   */
  get warnings(): string[] {
    return this._info?.warnings ?? [];
  }

  /** Whether a snapshot has arrived since the store was made. */
  get hasSnapshot(): boolean {
    return this._hasSnapshot;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  get(sessionId: string): SessionModel | undefined {
    return this._sessions.get(sessionId);
  }

  /** A session's times, parsed when it arrived. */
  times(sessionId: string): ISessionTimes | undefined {
    return this._times.get(sessionId);
  }

  /** Every session, in the server's order (newest registered first). */
  sessions(): SessionModel[] {
    return Array.from(this._sessions.values());
  }

  /**
   * Apply one message of the event stream: a snapshot replaces every
   * session; a session event replaces (or adds) that one session. Ended
   * sessions stay, with state 'closed', until they age out (`ageOut`). The
   * accounts come with the snapshot, then one account event per change (or
   * `gone_account` for one no longer served).
   */
  applyEvent(event: SessionEvent): void {
    if (event.type === 'snapshot') {
      this._accounts.replace(event.accounts ?? []);
      this.applySnapshot(event.sessions ?? []);
      this._accountsChanged.emit(null);
    } else if (event.type === 'session' && event.session) {
      this.applySession(event.session);
    } else if (event.type === 'account') {
      const name = this._accounts.apply(event);
      if (name !== null) {
        this._accountsChanged.emit(name);
      }
    }
  }

  applySnapshot(sessions: SessionModel[]): void {
    const previous = this._sessions;
    this._sessions = new Map();
    this._times = new Map();
    for (const session of sessions) {
      this._sessions.set(session.id, session);
      this._times.set(session.id, sessionTimes(session));
    }
    this._hasSnapshot = true;
    this._nextAgeOut = null;
    for (const current of this._sessions.values()) {
      this._sessionChanged.emit({
        previous: previous.get(current.id) ?? null,
        current,
        live: false
      });
    }
    this._changed.emit(null);
  }

  /**
   * Replace a known session where it is, or put a new one first (it is the
   * newest registered, where the server's order has it).
   */
  applySession(session: SessionModel): void {
    const previous = this._sessions.get(session.id) ?? null;
    if (previous) {
      this._sessions.set(session.id, session);
    } else {
      this._sessions = new Map([[session.id, session], ...this._sessions]);
    }
    this._times.set(session.id, sessionTimes(session));
    this._nextAgeOut = null;
    this._sessionChanged.emit({ previous, current: session, live: true });
    this._changed.emit(session.id);
  }

  /**
   * Drop the ended sessions that left the server's live view by `now` (ms
   * since the epoch): the server leaves them out of its listing and snapshots
   * `ended_sessions_visible_for` seconds (its /info) after they ended, and the
   * sidebar drops them at the same moment by the same rule (`agedOutAt`).
   * Cheap on most calls: it remembers when the next one is due.
   *
   * @returns whether any session was dropped (then `changed` was emitted)
   */
  ageOut(now: number): boolean {
    const visibleFor = this._info?.ended_sessions_visible_for ?? null;
    if (visibleFor === null) {
      return false;
    }
    if (this._nextAgeOut !== null && now < this._nextAgeOut) {
      return false;
    }
    let next = Infinity;
    const dropped: string[] = [];
    for (const [id, session] of this._sessions) {
      const at = agedOutAt(session, this._times.get(id)!, visibleFor);
      if (at <= now) {
        dropped.push(id);
      } else {
        next = Math.min(next, at);
      }
    }
    this._nextAgeOut = next;
    for (const id of dropped) {
      this._sessions.delete(id);
      this._times.delete(id);
    }
    if (dropped.length > 0) {
      this._changed.emit(null);
    }
    return dropped.length > 0;
  }

  /**
   * Update the kernel id -> notebook map from Jupyter's running sessions. A
   * kernel that stopped running keeps the last name seen (a notebook renamed
   * after its session registered reads as renamed until the page reloads).
   */
  setKernelNames(names: Map<string, IKernelName>): void {
    this._kernelNames = new Map([...this._kernelNames, ...names]);
    this._changed.emit(null);
  }

  kernelName(kernelId: string | null): IKernelName {
    if (!kernelId) {
      return { name: 'No kernel', path: 'Not tied to a kernel' };
    }
    return (
      this._kernelNames.get(kernelId) ?? {
        name: `Kernel ${shortId(kernelId)}`,
        path: `Kernel ${kernelId} (no open notebook)`
      }
    );
  }

  /**
   * The sessions grouped by kernel, for display.
   *
   * Groups by name (the notebook the server recorded, else the live one),
   * 'No kernel' after them, and the sessions found elsewhere on the account
   * last, under `ORIGIN_WORDS.elsewhere`; within a group, the server's order
   * (newest registered first), whatever state each session is in, so rows
   * stay put. With `showEnded` false closed sessions and the groups they
   * leave empty are dropped.
   */
  groups(
    options: { showEnded?: boolean; account?: string } = {}
  ): ISessionGroup[] {
    const showEnded = options.showEnded ?? true;
    const account = options.account;
    const byKernel = new Map<string, SessionModel[]>();
    const elsewhere: SessionModel[] = [];
    for (const session of this._sessions.values()) {
      if (!showEnded && session.state === 'closed') {
        continue;
      }
      if (account !== undefined && session.account.name !== account) {
        continue;
      }
      if (session.origin === 'elsewhere') {
        elsewhere.push(session);
        continue;
      }
      const key = session.kernel_id ?? '';
      const list = byKernel.get(key) ?? [];
      list.push(session);
      byKernel.set(key, list);
    }
    const groups: ISessionGroup[] = [];
    for (const [key, sessions] of byKernel) {
      const kernelId = key === '' ? null : key;
      // The name Jupyter gives the kernel's notebook now (or last gave it), else
      // the one the server recorded at registration, which outlives the kernel
      // and the page.
      const name =
        (kernelId ? this._kernelNames.get(kernelId) : undefined) ??
        recordedName(sessions) ??
        this.kernelName(kernelId);
      groups.push({
        key,
        kernelId,
        origin: 'kernel',
        label: name.name,
        title: name.path,
        sessions
      });
    }
    groups.sort(compareGroups);
    if (elsewhere.length > 0) {
      groups.push({
        key: ELSEWHERE_KEY,
        kernelId: null,
        origin: 'elsewhere',
        label: ORIGIN_WORDS.elsewhere,
        title:
          'Sessions of this account that no kernel of this server opened: ' +
          'a script, another server, a colleague',
        sessions: elsewhere
      });
    }
    return groups;
  }

  /**
   * The sessions by account (`groups` within each): a section per served
   * account, with or without sessions, and one per account no longer served
   * whose sessions are still shown; the lab's emulator first, then by name.
   */
  sections(options: { showEnded?: boolean } = {}): IAccountSectionOfGroups[] {
    return accountSections(
      this._accounts.list(),
      Array.from(this._sessions.values(), session => session.account),
      name => this.groups({ ...options, account: name })
    );
  }

  /**
   * Whether the user may close or cancel `session` (and its jobs): the server
   * must allow writes, and the session must be theirs unless they may act on
   * others'; a session found elsewhere on the account needs the right to act
   * on the account's sessions (`can_act_on_account`) instead of ownership.
   * The server checks again; this only spares a refused click.
   */
  permission(session: SessionModel): Permission {
    const info = this._info;
    if (!info) {
      return {
        allowed: false,
        reason: 'Waiting for the server to say what you may do'
      };
    }
    if (!info.can_write) {
      return {
        allowed: false,
        reason: 'You may see sessions on this server but not change them'
      };
    }
    if (session.origin === 'elsewhere') {
      return info.can_act_on_account
        ? { allowed: true }
        : {
            allowed: false,
            reason:
              'Read-only: this session was opened elsewhere on the account, ' +
              'and you may see such sessions but not close or cancel them'
          };
    }
    if (session.owner !== info.user && !info.can_act_on_others) {
      return {
        allowed: false,
        reason: `This session belongs to ${session.owner}`
      };
    }
    return { allowed: true };
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    Signal.clearData(this);
  }

  private _sessions = new Map<string, SessionModel>();
  private _times = new Map<string, ISessionTimes>();
  private _kernelNames = new Map<string, IKernelName>();
  private _info: ServerInfo | null = null;
  private _accounts = new AccountRoster();
  private _idle: ReadonlyArray<string> | null = null;
  private _connection: ConnectionStatus = 'connecting';
  private _problem: string | null = null;
  private _hasSnapshot = false;
  /** When `ageOut` next has work (ms since the epoch), or null: find out. */
  private _nextAgeOut: number | null = null;
  private _isDisposed = false;
  private _changed = new Signal<this, StoreChange>(this);
  private _sessionChanged = new Signal<this, ISessionChange>(this);
  private _accountsChanged = new Signal<this, string | null>(this);
  private _idleChanged = new Signal<this, ReadonlyArray<string> | null>(this);
}

/**
 * Groups by name, 'No kernel' last: nothing a session's state does moves a
 * group or a row (a row keeps its place right after the user clicked it).
 */
function compareGroups(a: ISessionGroup, b: ISessionGroup): number {
  const noKernel = Number(a.kernelId === null) - Number(b.kernelId === null);
  return noKernel || a.label.localeCompare(b.label);
}

/**
 * When an ended session leaves a view that keeps ended sessions `visibleFor`
 * seconds (ms since the epoch; Infinity while it is open): from its
 * `closed_at`, or its registration when the service did not say. The server's
 * rule (`aged_out_at` in server/manager.py).
 */
export function agedOutAt(
  session: SessionModel,
  times: ISessionTimes,
  visibleFor: number
): number {
  if (session.state !== 'closed') {
    return Infinity;
  }
  return (times.closedAt ?? times.registeredAt ?? 0) + visibleFor * 1000;
}
