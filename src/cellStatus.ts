import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';

import { Widget } from '@lumino/widgets';

import { accountTitle } from './accountHeader';

import type { ISessionActions } from './actions';

import { Clock, formatCountdown, secondsUntil, Ticker } from './countdown';

import { element as el, setText } from './dom';

import { badge, endedReasonLabel, shortId } from './labels';

import type { JobModel, SessionModel } from './models';

import type { SessionStore, StoreChange } from './store';

/**
 * The status a `%%qsession` cell shows (jupyter_qsession/kernel/status.py
 * displays it when the cell starts and updates it when the cell ends), drawn
 * live from the sidebar's `SessionStore`: the same sessions, fed by the same
 * WebSocket, ticking on the same `Ticker`, acting through the same
 * `SessionActions` (so Cancel asks first). Every status of a session, in any
 * cell, follows it; a session the store does not hold (not yet arrived, or
 * aged out) shows the line the kernel saved with the output.
 */
export const STATUS_MIME = 'application/vnd.jupyter.qsession.status+json';

/** What the kernel puts under `STATUS_MIME`. */
export interface ICellStatusData {
  session_id: string;
  backend: string;
  /** The magic's word: 'session' or 'batch'. */
  mode: string;
  provider: string;
  /** When the cell started (ISO). */
  started: string | null;
  /** The session's newest job before the cell: while it runs, its jobs are the newer ones. */
  after_job: string | null;
  /** The cell's job ids, oldest first, once it ended; null while it runs. */
  jobs: string[] | null;
  /** False for `%qsession status`: a status that belongs to no cell. */
  in_cell?: boolean;
}

/** What a status draws from: the sidebar's store, ticker and actions. */
export interface ICellStatusContext {
  store: SessionStore;
  ticker: Ticker;
  actions: ISessionActions;
  now?: Clock;
}

/**
 * The cell's jobs, oldest first: the listed ids once the cell ended, else
 * the session's jobs newer than `after_job` (the store keeps them newest
 * first); none for a status of no cell.
 */
export function cellJobs(
  session: SessionModel,
  data: ICellStatusData
): JobModel[] {
  if (data.in_cell === false) {
    return [];
  }
  if (data.jobs) {
    const byId = new Map(session.jobs.map(job => [job.id, job]));
    return data.jobs
      .map(id => byId.get(id))
      .filter((job): job is JobModel => job !== undefined);
  }
  const before = data.after_job
    ? session.jobs.findIndex(job => job.id === data.after_job)
    : -1;
  const newer = before >= 0 ? session.jobs.slice(0, before) : session.jobs;
  return [...newer].reverse();
}

/** One cell's status; re-rendered when its session changes, ticked each second. */
export class CellStatus extends Widget implements IRenderMime.IRenderer {
  constructor(context: ICellStatusContext) {
    super();
    this._context = context;
    this._now = context.now ?? Date.now;
    this.addClass('jp-QSessionCell');
    context.store.changed.connect(this._onChange, this);
    context.ticker.ticked.connect(this._tick, this);
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    this._data = model.data[STATUS_MIME] as unknown as ICellStatusData;
    const saved = model.data['text/plain'];
    this._saved = typeof saved === 'string' ? saved : '';
    this._render();
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._context.store.changed.disconnect(this._onChange, this);
    this._context.ticker.ticked.disconnect(this._tick, this);
    super.dispose();
  }

  private _onChange(_: SessionStore, change: StoreChange): void {
    if (this._data && (change === null || change === this._data.session_id)) {
      this._render();
    }
  }

  private _render(): void {
    const data = this._data;
    if (!data) {
      return;
    }
    const session = this._context.store.get(data.session_id);
    this._session = session ?? null;
    this.node.replaceChildren();
    this._ttl = null;
    this._idle = null;
    if (!session) {
      this.node.append(
        el('div', 'jp-QSessionCell-saved', this._saved),
        el(
          'div',
          'jp-QSessionCell-note',
          'Last known status: the sidebar does not list this session (not yet, or no longer).'
        )
      );
      return;
    }
    const ended = session.state === 'closed';
    const header = el('div', 'jp-QSessionCell-header');
    const { word, kind } = badge(session);
    const id = el('span', 'jp-QSessionCell-id', shortId(session.id));
    id.title = session.id;
    header.append(
      el('span', 'jp-QSessionCell-backend', session.backend),
      el('span', 'jp-QSessionCell-mode', data.mode)
    );
    if (this._context.store.accounts().length > 1) {
      // Which account the magic used, where the lab serves several.
      const account = el(
        'span',
        'jp-QSessionCell-account',
        `on ${session.account.name}`
      );
      account.title = accountTitle(
        session.account,
        this._context.store.account(session.account.name) ?? null
      );
      header.append(account);
    }
    header.append(id, el('span', `jp-QSession-badge jp-mod-${kind}`, word));
    if (!ended) {
      this._ttl = el('span', 'jp-QSessionCell-ttl');
      this._ttl.title = 'Max TTL left: the session ends then';
      this._idle = el('span', 'jp-QSessionCell-idle');
      this._idle.title =
        'Interactive TTL left: with no job by then, the session turns inactive';
      header.append(this._ttl, this._idle);
    }
    const buttons = el('span', 'jp-QSessionCell-actions');
    const permission = this._context.store.permission(session);
    const refusal = permission.allowed ? '' : permission.reason;
    buttons.append(
      this._button(
        'Close session',
        'Queued jobs still run',
        ended,
        refusal,
        () => this._context.actions.closeSession(session)
      ),
      this._button(
        'Cancel session',
        'Queued jobs are cancelled',
        ended,
        refusal,
        () => this._context.actions.cancelSession(session)
      )
    );
    header.append(buttons);
    this.node.append(header);
    if (ended) {
      this.node.append(
        el(
          'div',
          'jp-QSessionCell-ended',
          `Ended: ${endedReasonLabel(session.ended_reason)}`
        )
      );
    }
    if (data.in_cell !== false) {
      this.node.append(this._jobs(cellJobs(session, data), data.jobs === null));
    }
    this._tick();
  }

  private _jobs(jobs: JobModel[], running: boolean): HTMLElement {
    const list = el('ul', 'jp-QSessionCell-jobs');
    list.setAttribute('aria-label', 'Jobs of this cell');
    if (jobs.length === 0) {
      list.append(
        el(
          'li',
          'jp-QSessionCell-noJob',
          running ? 'No job yet' : 'No job in this cell'
        )
      );
    }
    for (const job of jobs) {
      const item = el(
        'li',
        `jp-QSessionCell-job jp-mod-${job.status.toLowerCase()}`
      );
      const jobId = el('span', 'jp-QSessionCell-jobId', shortId(job.id));
      jobId.title = job.id;
      item.append(
        el('span', 'jp-QSessionCell-primitive', job.primitive ?? 'job'),
        jobId,
        el('span', 'jp-QSessionCell-jobStatus', job.status)
      );
      if (job.queue_position !== null) {
        const position = el(
          'span',
          'jp-QSessionCell-position',
          `#${job.queue_position} in queue`
        );
        position.title = `Number ${job.queue_position} in the backend's queue`;
        item.append(position);
      }
      list.append(item);
    }
    return list;
  }

  private _button(
    label: string,
    hint: string,
    ended: boolean,
    refusal: string,
    act: () => Promise<boolean>
  ): HTMLButtonElement {
    const button = document.createElement('button');
    button.className = 'jp-Button jp-mod-minimal jp-mod-small';
    button.textContent = label;
    button.setAttribute('aria-label', label);
    button.disabled = ended || refusal !== '';
    button.title = ended ? 'The session has ended' : refusal || hint;
    button.addEventListener('click', () => {
      button.disabled = true;
      void act().finally(() => {
        if (!this.isDisposed && this._session?.state !== 'closed') {
          button.disabled = refusal !== '';
        }
      });
    });
    return button;
  }

  private _tick(): void {
    const session = this._session;
    if (!session || !this._ttl || !this._idle) {
      return;
    }
    const times = this._context.store.times(session.id);
    const now = this._now();
    const left = secondsUntil(times?.expiresAt ?? null, now);
    setText(
      this._ttl,
      left === null
        ? 'TTL starts with the first job'
        : `${formatCountdown(left)} left`
    );
    const idle = secondsUntil(times?.interactiveExpiresAt ?? null, now);
    setText(
      this._idle,
      idle === null ? '' : `idle in ${formatCountdown(idle)}`
    );
  }

  private _context: ICellStatusContext;
  private _now: Clock;
  private _data: ICellStatusData | null = null;
  private _saved = '';
  private _session: SessionModel | null = null;
  private _ttl: HTMLElement | null = null;
  private _idle: HTMLElement | null = null;
}

/**
 * The factory the sidebar's plugin adds to the app's rendermime registry
 * (notebooks clone it when they open, so every notebook gets it). Safe: it
 * shows text only, so a reloaded (untrusted) notebook renders it too.
 */
export function cellStatusFactory(
  context: ICellStatusContext
): IRenderMime.IRendererFactory {
  return {
    safe: true,
    mimeTypes: [STATUS_MIME],
    defaultRank: 0,
    createRenderer: () => new CellStatus(context)
  };
}
