import type { JobModel, SessionModel, SessionState } from './models';

/**
 * The server's ISO times as milliseconds since the epoch, read once when a
 * session arrives (`SessionStore` does it), so that the 1 s ticks of
 * countdowns, the timeline and the notifier compare numbers and never parse.
 * This is the only module of the sidebar that parses or formats a time.
 */

/** ms since the epoch of an ISO time; null for a missing or unparsable one. */
export function epochMs(iso: string | null | undefined): number | null {
  if (!iso) {
    return null;
  }
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : ms;
}

/** A state the session entered, at ms since the epoch. */
export interface ITimedTransition {
  readonly state: SessionState;
  readonly at: number;
}

/** A job's times, in ms since the epoch. */
export interface IJobTimes {
  readonly created: number | null;
  readonly started: number | null;
  readonly finished: number | null;
}

/** A session's times, in ms since the epoch (the model's fields of the same names). */
export interface ISessionTimes {
  readonly registeredAt: number | null;
  readonly startedAt: number | null;
  readonly activatedAt: number | null;
  readonly expiresAt: number | null;
  readonly interactiveExpiresAt: number | null;
  readonly closedAt: number | null;
  /** The service's transitions, oldest first (unparsable ones left out). */
  readonly transitions: ReadonlyArray<ITimedTransition>;
  /** By job id. */
  readonly jobs: ReadonlyMap<string, IJobTimes>;
}

export function jobTimes(job: JobModel): IJobTimes {
  return {
    created: epochMs(job.created),
    started: epochMs(job.started),
    finished: epochMs(job.finished)
  };
}

export function sessionTimes(session: SessionModel): ISessionTimes {
  const transitions: ITimedTransition[] = [];
  for (const transition of session.transitions ?? []) {
    const at = epochMs(transition.at);
    if (at !== null) {
      transitions.push({ state: transition.state, at });
    }
  }
  return {
    registeredAt: epochMs(session.registered_at),
    startedAt: epochMs(session.started_at),
    activatedAt: epochMs(session.activated_at),
    expiresAt: epochMs(session.expires_at),
    interactiveExpiresAt: epochMs(session.interactive_expires_at),
    closedAt: epochMs(session.closed_at),
    transitions,
    jobs: new Map(session.jobs.map(job => [job.id, jobTimes(job)]))
  };
}

/**
 * A wall-clock time (ms since the epoch) in the user's locale, 24-hour, with
 * seconds ("14:03:27"); '' for a missing time.
 */
export function clockTime(time: number | null): string {
  if (time === null) {
    return '';
  }
  return new Date(time).toLocaleTimeString([], {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false
  });
}

/**
 * A wall-clock time with its date when it is not on `now`'s day ("14:03:27",
 * "Nov 24, 14:03"): how long ago something began, for a session found on the
 * account that may be older than this page. '' for a missing time.
 */
export function sinceTime(time: number | null, now: number): string {
  if (time === null) {
    return '';
  }
  const day = (ms: number) => new Date(ms).toDateString();
  if (day(time) === day(now)) {
    return clockTime(time);
  }
  return new Date(time).toLocaleString([], {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false
  });
}

/**
 * When a session began as far as this server can say: its first job's start
 * (`started_at`), else when this server registered or first found it.
 */
export function sessionSince(times: ISessionTimes): number | null {
  return times.startedAt ?? times.registeredAt;
}

/**
 * When a session last did something: its latest job's end, else its
 * activation, start or registration. What a listing of idle sessions says
 * as "idle since" (which sessions are idle is the server's rule, not this).
 */
export function lastActivity(times: ISessionTimes): number | null {
  let latest: number | null = null;
  for (const job of times.jobs.values()) {
    const end = job.finished ?? job.started ?? job.created;
    if (end !== null && (latest === null || end > latest)) {
      latest = end;
    }
  }
  return (
    latest ?? times.activatedAt ?? times.startedAt ?? times.registeredAt ?? null
  );
}

/**
 * A QPU duration in the sidebar header's compact words: "45s", "12m 30s",
 * "9h 47m", "10h" (seconds are dropped from an hour on, zero parts left out).
 */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const secs = total % 60;
  if (hours > 0) {
    return minutes > 0 ? `${hours}h ${minutes}m` : `${hours}h`;
  }
  if (minutes > 0) {
    return secs > 0 ? `${minutes}m ${secs}s` : `${minutes}m`;
  }
  return `${secs}s`;
}
