import { ISignal, Signal } from '@lumino/signaling';

import type { ConnectionStatus } from './events';

import type {
  JobModel,
  ServerInfo,
  SessionEvent,
  SessionModel
} from './models';

import { shortId } from './labels';

/**
 * The notebook (or console) a kernel belongs to, from Jupyter's sessions API.
 */
export interface IKernelName {
  /** What to show: the notebook's file name. */
  name: string;
  /** Its path, for the tooltip. */
  path: string;
}

/**
 * Sessions of one kernel, as the sidebar lists them.
 */
export interface ISessionGroup {
  /** Stable key: the kernel id, or '' for sessions without a kernel. */
  key: string;
  kernelId: string | null;
  /** The notebook name, 'Kernel <short id>' or 'No kernel'. */
  label: string;
  /** Longer description for the tooltip. */
  title: string;
  /** Live sessions first, then newest registered first. */
  sessions: SessionModel[];
}

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
  /** Field names the server says changed; empty for snapshots. */
  changes: string[];
}

/**
 * Whether the user may close or cancel a session, and if not, why (the
 * disabled buttons' tooltip).
 */
export type Permission = { allowed: true } | { allowed: false; reason: string };

/**
 * The one model of the sidebar: the sessions the event stream reported, what
 * the server says the user may do, the names of the kernels, and the state of
 * the connection. It holds no timers and reads no clock; views derive
 * countdowns from its absolute times.
 */
export class SessionStore {
  /** Emitted after any change, once per event. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Emitted for each session an event added or replaced, before `changed`. */
  get sessionChanged(): ISignal<this, ISessionChange> {
    return this._sessionChanged;
  }

  get info(): ServerInfo | null {
    return this._info;
  }

  set info(info: ServerInfo | null) {
    this._info = info;
    this._changed.emit();
  }

  get connection(): ConnectionStatus {
    return this._connection;
  }

  set connection(status: ConnectionStatus) {
    if (status === this._connection) {
      return;
    }
    this._connection = status;
    this._changed.emit();
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
    this._changed.emit();
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

  get(sessionId: string): SessionModel | undefined {
    return this._sessions.get(sessionId);
  }

  /** Every session, in no particular order. */
  sessions(): SessionModel[] {
    return Array.from(this._sessions.values());
  }

  /**
   * Apply one message of the event stream: a snapshot replaces every
   * session; a session event replaces (or adds) that one session. Sessions
   * are never deleted: ended ones stay with state 'closed'.
   */
  applyEvent(event: SessionEvent): void {
    if (event.type === 'snapshot') {
      this.applySnapshot(event.sessions ?? []);
    } else if (event.type === 'session' && event.session) {
      this.applySession(event.session, event.changes ?? []);
    }
  }

  applySnapshot(sessions: SessionModel[]): void {
    const previous = this._sessions;
    this._sessions = new Map();
    for (const session of sessions) {
      this._sessions.set(session.id, normalize(session));
    }
    this._hasSnapshot = true;
    for (const current of this._sessions.values()) {
      this._sessionChanged.emit({
        previous: previous.get(current.id) ?? null,
        current,
        live: false,
        changes: []
      });
    }
    this._changed.emit();
  }

  applySession(session: SessionModel, changes: string[] = []): void {
    const current = normalize(session);
    const previous = this._sessions.get(current.id) ?? null;
    this._sessions.set(current.id, current);
    this._sessionChanged.emit({ previous, current, live: true, changes });
    this._changed.emit();
  }

  /**
   * Replace the kernel id -> notebook map (from Jupyter's running sessions).
   */
  setKernelNames(names: Map<string, IKernelName>): void {
    this._kernelNames = new Map(names);
    this._changed.emit();
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
   * Groups with a live (not closed) session come first, then by name, with
   * 'No kernel' last among its peers; within a group, live sessions first,
   * then the newest registered first. With `showEnded` false closed sessions
   * and the groups they leave empty are dropped.
   */
  groups(options: { showEnded?: boolean } = {}): ISessionGroup[] {
    const showEnded = options.showEnded ?? true;
    const byKernel = new Map<string, SessionModel[]>();
    for (const session of this._sessions.values()) {
      if (!showEnded && session.state === 'closed') {
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
      const name = this.kernelName(kernelId);
      groups.push({
        key,
        kernelId,
        label: name.name,
        title: name.path,
        sessions: sessions.sort(compareSessions)
      });
    }
    return groups.sort(compareGroups);
  }

  /**
   * Whether the user may close or cancel `session` (and its jobs): the server
   * must allow writes, and the session must be theirs unless they may act on
   * others'. The server checks again; this only spares a refused click.
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
    if (session.owner !== info.user && !info.can_act_on_others) {
      return {
        allowed: false,
        reason: `This session belongs to ${session.owner}`
      };
    }
    return { allowed: true };
  }

  private _sessions = new Map<string, SessionModel>();
  private _kernelNames = new Map<string, IKernelName>();
  private _info: ServerInfo | null = null;
  private _connection: ConnectionStatus = 'connecting';
  private _problem: string | null = null;
  private _hasSnapshot = false;
  private _changed = new Signal<this, void>(this);
  private _sessionChanged = new Signal<this, ISessionChange>(this);
}

/**
 * A copy of the session with its jobs newest first (the server sends them
 * so; sorting again costs little and makes the order a rule of this model).
 */
function normalize(session: SessionModel): SessionModel {
  return { ...session, jobs: [...(session.jobs ?? [])].sort(compareJobs) };
}

function time(iso: string | null | undefined): number {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(t) ? -Infinity : t;
}

/** Newest created first; jobs without a creation time last; then by id. */
export function compareJobs(a: JobModel, b: JobModel): number {
  return time(b.created) - time(a.created) || a.id.localeCompare(b.id);
}

/** Live before closed, then newest registered first, then by id. */
export function compareSessions(a: SessionModel, b: SessionModel): number {
  const live = Number(a.state === 'closed') - Number(b.state === 'closed');
  return (
    live ||
    time(b.registered_at) - time(a.registered_at) ||
    a.id.localeCompare(b.id)
  );
}

function compareGroups(a: ISessionGroup, b: ISessionGroup): number {
  const isLive = (g: ISessionGroup) =>
    g.sessions.some(s => s.state !== 'closed');
  const live = Number(isLive(b)) - Number(isLive(a));
  const noKernel = Number(a.kernelId === null) - Number(b.kernelId === null);
  return live || noKernel || a.label.localeCompare(b.label);
}
