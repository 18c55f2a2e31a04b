import { CLOSING_WORD, ENDED_WORDS, MODE_WORDS, STATE_WORDS } from './models';

import type { EndedReason, SessionModel } from './models';

/**
 * How the sidebar names things, from the words generated into models.ts
 * (`STATE_WORDS`, `CLOSING_WORD`, `MODE_WORDS`, `ENDED_WORDS`: Record
 * tables, so a new state, mode or reason fails to compile until it has its
 * words), so that rows, dialogs and notifications say the same thing.
 */

/**
 * What a row's badge says and the modifier class it takes: the state's word,
 * or "closing" for a session that accepts no new jobs but has not ended
 * (vocabulary.state_word's rule).
 */
export function badge(session: SessionModel): { word: string; kind: string } {
  if (session.state !== 'closed' && !session.accepting_jobs) {
    return { word: CLOSING_WORD, kind: 'closing' };
  }
  return { word: STATE_WORDS[session.state], kind: session.state };
}

/** "session" or "batch": the magic's `--mode` word, never the wire's "dedicated". */
export function modeWord(session: SessionModel): string {
  return MODE_WORDS[session.mode];
}

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
  return `${modeWord(session)} ${shortId(session.id)} on ${session.backend}`;
}
