import { ENDED_WORDS } from './models';

import type { EndedReason, SessionModel } from './models';

/**
 * How the sidebar names things that are not the model's vocabulary (the
 * words of states and end reasons are generated into models.ts as
 * `STATE_WORDS` and `ENDED_WORDS`), so that rows, dialogs and notifications
 * say the same thing.
 */

/**
 * Why a session ended, as the end of a sentence: "Ended: <reason>";
 * 'ended' while the server has not said why.
 */
export function endedReasonLabel(reason: EndedReason | null): string {
  return reason ? ENDED_WORDS[reason] : 'ended';
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
