import type { SessionModel } from './models';

/**
 * The words the sidebar shows for the session model's values, defined once so
 * that rows, dialogs and notifications say the same thing.
 */

export type SessionState = SessionModel['state'];

export type EndedReason = NonNullable<SessionModel['ended_reason']>;

/**
 * The badge text of a state. The service calls a session that has not run a
 * job yet 'open'; people read that as 'pending' (nothing is reserved yet).
 */
export function stateLabel(state: SessionState): string {
  switch (state) {
    case 'open':
      return 'pending';
    default:
      return state;
  }
}

/**
 * Why a session ended, as the end of a sentence: "Ended: <reason>".
 */
export function endedReasonLabel(reason: SessionModel['ended_reason']): string {
  switch (reason) {
    case 'closed':
      return 'closed (its queued jobs ran first)';
    case 'cancelled':
      return 'cancelled';
    case 'max_ttl':
      return 'reached its max TTL';
    case 'kernel_shutdown':
      return 'its kernel shut down';
    case 'kernel_died':
      return 'its kernel died';
    case 'provider_lost':
      return 'the provider no longer knows it';
    default:
      return 'ended';
  }
}

/**
 * The first characters of a long service id, enough to tell rows apart.
 */
export function shortId(id: string, length = 8): string {
  return id.length > length ? id.slice(0, length) : id;
}

/**
 * How a notification or dialog names a session: "session 1a2b3c4d on ibm_kyiv".
 */
export function sessionName(session: SessionModel): string {
  const kind = session.mode === 'batch' ? 'batch' : 'session';
  return `${kind} ${shortId(session.id)} on ${session.backend}`;
}

/**
 * A wall-clock time in the user's locale, 24-hour, with seconds
 * ("14:03:27"); '' for a missing or unparsable time.
 */
export function clockTime(time: string | number | null): string {
  if (time === null) {
    return '';
  }
  const date = new Date(time);
  if (Number.isNaN(date.getTime())) {
    return '';
  }
  return date.toLocaleTimeString([], {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false
  });
}
