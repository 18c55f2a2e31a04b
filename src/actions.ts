import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';

import { errorMessage, ISessionsAPI } from './api';

import { sessionName, shortId } from './labels';

import type { JobModel, SessionModel } from './models';

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
    body: confirmation.body,
    buttons: [
      Dialog.cancelButton({ label: confirmation.reject }),
      Dialog.warnButton({ label: confirmation.accept })
    ]
  });
  return result.button.accept;
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
}

export namespace SessionActions {
  export interface IOptions {
    api: ISessionsAPI;
    /** How to ask; JupyterLab's dialog by default. */
    confirm?: Confirm;
    /** How to report a refused action; an error notification by default. */
    reportError?: (message: string) => void;
    /** Read on every click: the `confirmActions` setting. */
    shouldConfirm?: () => boolean;
  }
}
