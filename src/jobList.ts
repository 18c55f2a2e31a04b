import { closeIcon } from '@jupyterlab/ui-components';

import { element, placeChildren, setText } from './dom';

import { formatUsage } from './countdown';

import { shortId } from './labels';

import { JOB_STATUS_HINTS } from './models';

import type { JobModel } from './models';

import { Permission, samePermission } from './store';

import { clockTime, IJobTimes, jobTimes } from './times';

/** Past this many jobs the list renders only the rows in view. */
export const VIRTUALIZE_AFTER = 100;

/**
 * Height of one job row (two lines: what it is, then its times) in px in a
 * virtualized list; must match `.jp-mod-virtual .jp-QSession-job` in base.css.
 */
export const JOB_ROW_HEIGHT = 36;

/** Rows in view of a virtualized list (its max-height in base.css). */
export const VIEWPORT_ROWS = 12;

/** Rows rendered beyond each edge of the view, so scrolling shows no gap. */
export const OVERSCAN = 6;

/**
 * The rows `[start, end)` to render for a list of `count` rows scrolled to
 * `scrollTop`, with `viewportHeight` px in view.
 */
export function visibleRange(
  count: number,
  scrollTop: number,
  viewportHeight: number,
  rowHeight = JOB_ROW_HEIGHT,
  overscan = OVERSCAN
): { start: number; end: number } {
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const inView = Math.ceil(viewportHeight / rowHeight);
  const start = Math.max(0, first - overscan);
  const end = Math.min(count, first + inView + overscan);
  return { start, end: Math.max(start, end) };
}

/**
 * The jobs of one session, newest first (the server's order), one row each
 * (`[data-job-id]`): id, primitive, status, queue position and times, and a
 * "Cancel job" button on queued jobs. Up to `VIRTUALIZE_AFTER` jobs every row
 * is in the DOM; past that the list scrolls inside a fixed height and only
 * the rows in view (plus `OVERSCAN`) exist, placed at their offset.
 *
 * Rows are keyed by job id: an update changes a row's nodes in place, and
 * only where its job changed, so an event that changed one job's status
 * touches one row.
 */
export class JobList {
  constructor(options: JobList.IOptions) {
    this._onCancel = options.onCancel;
    this.node = element('div', 'jp-QSession-jobs');
    this._list = element('ol', 'jp-QSession-jobRows');
    this._list.setAttribute('aria-label', 'Jobs');
    this.node.appendChild(this._list);
    this.node.addEventListener('scroll', () => {
      if (this._virtual) {
        this._render();
      }
    });
  }

  readonly node: HTMLElement;

  /**
   * Show `jobs` (newest first) with their parsed `times` (by job id).
   */
  update(
    jobs: ReadonlyArray<JobModel>,
    times: ReadonlyMap<string, IJobTimes>,
    options: JobList.IUpdateOptions
  ): void {
    this._jobs = jobs;
    this._times = times;
    this._options = options;
    this._virtual = jobs.length > VIRTUALIZE_AFTER;
    this.node.classList.toggle('jp-mod-virtual', this._virtual);
    this.node.hidden = jobs.length === 0;
    this._list.style.height = this._virtual
      ? `${jobs.length * JOB_ROW_HEIGHT}px`
      : '';
    this._render();
  }

  private _render(): void {
    const jobs = this._jobs;
    let start = 0;
    let end = jobs.length;
    if (this._virtual) {
      const viewport = this.node.clientHeight || VIEWPORT_ROWS * JOB_ROW_HEIGHT;
      ({ start, end } = visibleRange(
        jobs.length,
        this.node.scrollTop,
        viewport
      ));
    }
    const rows = new Map<string, JobRow>();
    const nodes: HTMLElement[] = [];
    for (let i = start; i < end; i++) {
      const job = jobs[i];
      const row = this._rows.get(job.id) ?? new JobRow(this._onCancel);
      row.update(job, this._times.get(job.id) ?? jobTimes(job), this._options);
      row.node.style.top = this._virtual ? `${i * JOB_ROW_HEIGHT}px` : '';
      rows.set(job.id, row);
      nodes.push(row.node);
    }
    this._rows = rows;
    placeChildren(this._list, nodes);
  }

  private _onCancel: (job: JobModel) => Promise<unknown>;
  private _list: HTMLElement;
  private _jobs: ReadonlyArray<JobModel> = [];
  private _times: ReadonlyMap<string, IJobTimes> = new Map();
  private _rows = new Map<string, JobRow>();
  private _options: JobList.IUpdateOptions = {
    showActions: false,
    permission: { allowed: false, reason: '' }
  };
  private _virtual = false;
}

export namespace JobList {
  export interface IOptions {
    /** Called when the user clicks "Cancel job" (confirmation included). */
    onCancel: (job: JobModel) => Promise<unknown>;
  }

  export interface IUpdateOptions {
    /** False for a closed session: its jobs can no longer be cancelled. */
    showActions: boolean;
    permission: Permission;
  }
}

/**
 * One job's row (`li[data-job-id]`), made once per job and updated in place.
 */
class JobRow {
  constructor(onCancel: (job: JobModel) => Promise<unknown>) {
    this._onCancel = onCancel;
    this.node = element('li', 'jp-QSession-job');
    this._line = element('div', 'jp-QSession-jobLine');
    this._id = element('span', 'jp-QSession-jobId');
    this._primitive = element('span', 'jp-QSession-jobPrimitive');
    this._status = element('span', 'jp-QSession-jobStatus');
    this._position = element('span', 'jp-QSession-queuePosition');
    this._times = element('div', 'jp-QSession-jobTimes');
    this._line.append(this._id, this._primitive, this._status, this._position);
    this.node.append(this._line, this._times);
  }

  readonly node: HTMLLIElement;

  update(job: JobModel, times: IJobTimes, options: JobList.IUpdateOptions) {
    const previous = this._job;
    this._job = job;
    if (
      previous !== null &&
      sameJob(previous, job) &&
      sameOptions(options, this._options)
    ) {
      return;
    }
    this._options = options;
    const node = this.node;
    node.className = `jp-QSession-job jp-mod-${job.status.toLowerCase()}`;
    node.dataset.jobId = job.id;
    setText(this._id, shortId(job.id));
    this._id.title = job.id;
    setText(this._primitive, job.primitive ?? '');
    setText(this._status, job.status);
    this._status.title = `${job.status}: ${JOB_STATUS_HINTS[job.status]}`;
    const queued = job.queue_position !== null;
    setText(this._position, queued ? `#${job.queue_position}` : '');
    this._position.title = queued
      ? `Number ${job.queue_position} in the backend's queue`
      : '';
    const parts = jobTimeParts(times);
    if (this._times.textContent !== parts.join('')) {
      this._times.replaceChildren(
        ...parts.map(part => element('span', 'jp-QSession-jobTime', part))
      );
    }
    this._times.title = [
      `created ${clockTime(times.created) || '-'}`,
      `started ${clockTime(times.started) || '-'}`,
      `finished ${clockTime(times.finished) || '-'}`
    ].join('\n');

    if (options.showActions && job.status === 'QUEUED') {
      this._renderCancel(job, options.permission);
    } else if (this._cancel) {
      this._cancel.remove();
      this._cancel = null;
    }
  }

  private _renderCancel(job: JobModel, permission: Permission): void {
    if (!this._cancel) {
      const button = element(
        'button',
        'jp-Button jp-mod-minimal jp-mod-small jp-QSession-cancelJob'
      );
      button.type = 'button';
      button.setAttribute('aria-label', 'Cancel job');
      button.appendChild(
        closeIcon.element({ tag: 'span', className: 'jp-QSession-buttonIcon' })
      );
      button.addEventListener('click', event => {
        event.stopPropagation();
        const current = this._job;
        if (!current || button.disabled) {
          return;
        }
        button.disabled = true;
        this._cancelling = true;
        void this._onCancel(current).finally(() => {
          this._cancelling = false;
          button.disabled = !this._options.permission.allowed;
        });
      });
      this._line.appendChild(button);
      this._cancel = button;
    }
    const button = this._cancel;
    if (permission.allowed) {
      button.disabled = this._cancelling;
      button.title = `Cancel job ${job.id}`;
    } else {
      button.disabled = true;
      button.title = permission.reason;
    }
  }

  private _onCancel: (job: JobModel) => Promise<unknown>;
  private _job: JobModel | null = null;
  private _options: JobList.IUpdateOptions = {
    showActions: false,
    permission: { allowed: false, reason: '' }
  };
  private _line: HTMLElement;
  private _id: HTMLElement;
  private _primitive: HTMLElement;
  private _status: HTMLElement;
  private _position: HTMLElement;
  private _times: HTMLElement;
  private _cancel: HTMLButtonElement | null = null;
  private _cancelling = false;
}

function sameJob(a: JobModel, b: JobModel): boolean {
  return (
    a === b ||
    (a.id === b.id &&
      a.status === b.status &&
      a.primitive === b.primitive &&
      a.queue_position === b.queue_position &&
      a.created === b.created &&
      a.started === b.started &&
      a.finished === b.finished)
  );
}

function sameOptions(
  a: JobList.IUpdateOptions,
  b: JobList.IUpdateOptions
): boolean {
  return (
    a.showActions === b.showActions &&
    samePermission(a.permission, b.permission)
  );
}

/**
 * A job's times, each labelled: when it was created, then how long it
 * waited in the queue and ran (or, not finished yet, when it started; a job
 * that ended in the queue: when it ended).
 * E.g. ["created 14:03:27", "waited 3 s", "ran 11 s"].
 */
export function jobTimeParts(times: IJobTimes): string[] {
  const { created, started, finished } = times;
  const parts: string[] = [];
  if (created !== null) {
    parts.push(`created ${clockTime(created)}`);
  }
  if (started !== null) {
    if (created !== null) {
      parts.push(`waited ${formatUsage((started - created) / 1000)}`);
    }
    parts.push(
      finished !== null
        ? `ran ${formatUsage((finished - started) / 1000)}`
        : `started ${clockTime(started)}`
    );
  } else if (finished !== null) {
    parts.push(`ended ${clockTime(finished)}`);
  }
  return parts;
}
