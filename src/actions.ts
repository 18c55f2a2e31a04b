import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';

import { PathExt } from '@jupyterlab/coreutils';

import { Widget } from '@lumino/widgets';

import { errorMessage, ISessionsAPI } from './api';

import { element } from './dom';

import { modeWord, sessionName, shortId } from './labels';

import type { CloseIdleResult, JobModel, SessionModel } from './models';

import { lastActivity, sessionTimes, sinceTime } from './times';

/**
 * What a confirmation dialog says: the title, what will happen, and the
 * labels of its two buttons.
 */
export interface IConfirmation {
  title: string;
  body: string;
  /** Label of the button that goes ahead, e.g. 'Close session'. */
  accept: string;
  /** Label of the button that backs out, e.g. 'Keep session'. */
  reject: string;
  /** What it applies to, one line each, listed under the body. */
  items?: string[];
}

/** Ask the user; resolves true when they go ahead. */
export type Confirm = (confirmation: IConfirmation) => Promise<boolean>;

/**
 * Ask with JupyterLab's dialog. The buttons are not labelled 'OK'/'Cancel'
 * because 'Cancel' next to 'Cancel session' would be ambiguous.
 */
export async function confirmWithDialog(
  confirmation: IConfirmation
): Promise<boolean> {
  const result = await showDialog({
    title: confirmation.title,
    body: confirmation.items
      ? listBody(confirmation.body, confirmation.items)
      : confirmation.body,
    buttons: [
      Dialog.cancelButton({ label: confirmation.reject }),
      Dialog.warnButton({ label: confirmation.accept })
    ]
  });
  return result.button.accept;
}

/** A dialog body: the sentence, then the items as a list. */
function listBody(text: string, items: string[]): Widget {
  const node = element('div', 'jp-QSession-dialogBody');
  const list = element('ul', 'jp-QSession-dialogList');
  list.append(...items.map(item => element('li', '', item)));
  node.append(element('p', '', text), list);
  return new Widget({ node });
}

function queuedJobs(session: SessionModel): number {
  return session.jobs.filter(job => job.status === 'QUEUED').length;
}

/**
 * Close: the service accepts no new jobs, lets the queued ones run, then
 * closes the session (qiskit-ibm-runtime `Session.close()`).
 */
export function closeConfirmation(session: SessionModel): IConfirmation {
  return {
    title: 'Close session?',
    body:
      `Close ${sessionName(session)}: it will accept no new jobs. ` +
      `Queued jobs still run (${queuedJobs(session)} now); then the session closes.`,
    accept: 'Close session',
    reject: 'Keep session'
  };
}

/**
 * Cancel: the service cancels the queued jobs and ends the session now; a
 * job already running finishes (qiskit-ibm-runtime `Session.cancel()`).
 */
export function cancelConfirmation(session: SessionModel): IConfirmation {
  return {
    title: 'Cancel session?',
    body:
      `Cancel ${sessionName(session)}: queued jobs are cancelled ` +
      `(${queuedJobs(session)} now) and the session ends now. ` +
      'A job already running finishes.',
    accept: 'Cancel session',
    reject: 'Keep session'
  };
}

export function cancelJobConfirmation(
  session: SessionModel,
  job: JobModel
): IConfirmation {
  const where =
    job.queue_position !== null
      ? ` (number ${job.queue_position} in the queue)`
      : '';
  return {
    title: 'Cancel job?',
    body: `Cancel job ${shortId(job.id)}${where} of ${sessionName(session)}: it will not run. The session and its other jobs are not affected.`,
    accept: 'Cancel job',
    reject: 'Keep job'
  };
}

/**
 * Where an idle session comes from, for a listing: its notebook's file name,
 * 'elsewhere' for one found on the account, or its kernel.
 */
export function sessionPlace(session: SessionModel): string {
  if (session.origin === 'elsewhere') {
    return 'elsewhere';
  }
  if (session.notebook) {
    return PathExt.basename(session.notebook) || session.notebook;
  }
  return session.kernel_id
    ? `kernel ${shortId(session.kernel_id)}`
    : 'no kernel';
}

/**
 * One line of the close-idle confirmation: "1a2b3c4d · fake_manila session ·
 * bell.ipynb · idle since 14:03:27".
 */
export function idleLine(session: SessionModel, now: number): string {
  const since = sinceTime(lastActivity(sessionTimes(session)), now);
  return [
    shortId(session.id),
    `${session.backend} ${modeWord(session)}`,
    sessionPlace(session),
    since ? `idle since ${since}` : 'idle'
  ].join(' · ');
}

/**
 * Close idle sessions: every session listed (the server's answer to
 * `?idle=true`) accepts no new jobs and closes; none has a job to lose.
 */
export function closeIdleConfirmation(
  sessions: SessionModel[],
  now: number
): IConfirmation {
  const n = sessions.length;
  const them = n === 1 ? 'it' : 'them';
  return {
    title: n === 1 ? 'Close 1 idle session?' : `Close ${n} idle sessions?`,
    body:
      `${n === 1 ? 'This session has' : `These ${n} sessions have`} no job ` +
      `queued or running. Closing ${them} frees the QPU ${n === 1 ? 'it' : 'they'} may hold; ` +
      'a job that arrives before the close keeps its session open.',
    items: sessions.map(session => idleLine(session, now)),
    accept: n === 1 ? 'Close 1 session' : `Close ${n} sessions`,
    reject: n === 1 ? 'Keep it' : 'Keep them'
  };
}

/**
 * What the notification after a close-idle says: what closed, and what was
 * left open and why.
 */
export function closeIdleReport(result: CloseIdleResult): {
  message: string;
  skipped: boolean;
} {
  const parts: string[] = [];
  const closed = result.closed.length;
  if (closed > 0) {
    parts.push(
      `Closed ${closed} idle session${closed === 1 ? '' : 's'}: ` +
        result.closed.map(session => shortId(session.id)).join(', ') +
        '.'
    );
  }
  if (result.skipped.length > 0) {
    parts.push(
      'Left open: ' +
        result.skipped
          .map(skip => `${shortId(skip.id)} (${skip.reason})`)
          .join('; ') +
        '.'
    );
  }
  if (parts.length === 0) {
    parts.push('No session was closed.');
  }
  return { message: parts.join(' '), skipped: result.skipped.length > 0 };
}

/**
 * What the sidebar's buttons do; the panel depends on this interface.
 */
export interface ISessionActions {
  /** Each resolves true when the request was sent and accepted. */
  closeSession(session: SessionModel): Promise<boolean>;
  cancelSession(session: SessionModel): Promise<boolean>;
  cancelJob(session: SessionModel, job: JobModel): Promise<boolean>;
}

/**
 * The buttons' behaviour: confirm (unless the `confirmActions` setting is
 * off), call the API, and report a refusal as an error notification. The
 * result itself arrives over the event stream.
 */
export class SessionActions implements ISessionActions {
  constructor(options: SessionActions.IOptions) {
    this._api = options.api;
    this._confirm = options.confirm ?? confirmWithDialog;
    this._reportError =
      options.reportError ?? (message => void Notification.error(message));
    this._shouldConfirm = options.shouldConfirm ?? (() => true);
    this._report = options.report ?? jupyterReport;
    this._now = options.now ?? Date.now;
  }

  closeSession(session: SessionModel): Promise<boolean> {
    return this._run(
      closeConfirmation(session),
      () => this._api.closeSession(session.id),
      `Could not close ${sessionName(session)}`
    );
  }

  cancelSession(session: SessionModel): Promise<boolean> {
    return this._run(
      cancelConfirmation(session),
      () => this._api.cancelSession(session.id),
      `Could not cancel ${sessionName(session)}`
    );
  }

  cancelJob(session: SessionModel, job: JobModel): Promise<boolean> {
    return this._run(
      cancelJobConfirmation(session, job),
      () => this._api.cancelJob(job.id),
      `Could not cancel job ${shortId(job.id)}`
    );
  }

  /**
   * Ask the server for the user's idle sessions, list them in a
   * confirmation, close those and report what closed and what was skipped
   * (the panel's "Close idle sessions").
   *
   * Always asks, whatever `confirmActions` says: the list is the point (it
   * may hold sessions the user forgot, found elsewhere on the account). Only
   * the sessions listed are sent, so one that turned idle meanwhile stays.
   */
  async closeIdleSessions(): Promise<boolean> {
    let idle: SessionModel[];
    try {
      idle = await this._api.idleSessions();
    } catch (error) {
      this._reportError(
        `Could not list your idle sessions: ${errorMessage(error)}`
      );
      return false;
    }
    if (idle.length === 0) {
      this._report.info(
        'None of your sessions is idle: each is closed or has a job queued or running.'
      );
      return false;
    }
    if (!(await this._confirm(closeIdleConfirmation(idle, this._now())))) {
      return false;
    }
    let result: CloseIdleResult;
    try {
      result = await this._api.closeIdle(idle.map(session => session.id));
    } catch (error) {
      this._reportError(
        `Could not close the idle sessions: ${errorMessage(error)}`
      );
      return false;
    }
    const report = closeIdleReport(result);
    if (report.skipped) {
      this._report.warning(report.message);
    } else {
      this._report.info(report.message);
    }
    return true;
  }

  private async _run(
    confirmation: IConfirmation,
    call: () => Promise<unknown>,
    failure: string
  ): Promise<boolean> {
    if (this._shouldConfirm() && !(await this._confirm(confirmation))) {
      return false;
    }
    try {
      await call();
      return true;
    } catch (error) {
      this._reportError(`${failure}: ${errorMessage(error)}`);
      return false;
    }
  }

  private _api: ISessionsAPI;
  private _confirm: Confirm;
  private _reportError: (message: string) => void;
  private _shouldConfirm: () => boolean;
  private _report: IReport;
  private _now: () => number;
}

/** Where the outcome of a bulk action goes (an INotify fits). */
export interface IReport {
  info(message: string): unknown;
  warning(message: string): unknown;
}

const jupyterReport: IReport = {
  info: message => Notification.success(message, { autoClose: 8000 }),
  warning: message => Notification.warning(message, { autoClose: false })
};

export namespace SessionActions {
  export interface IOptions {
    api: ISessionsAPI;
    /** How to ask; JupyterLab's dialog by default. */
    confirm?: Confirm;
    /** How to report a refused action; an error notification by default. */
    reportError?: (message: string) => void;
    /** Read on every click: the `confirmActions` setting. */
    shouldConfirm?: () => boolean;
    /** How to report a bulk action's outcome; notifications by default. */
    report?: IReport;
    /** The clock "idle since" is read against. */
    now?: () => number;
  }
}
