import { closeIcon } from '@jupyterlab/ui-components';

import { clockTime, shortId } from './labels';

import type { JobModel } from './models';

import type { Permission } from './store';

/** Past this many jobs the list renders only the rows in view. */
export const VIRTUALIZE_AFTER = 100;

/** Height of one job row in px; must match `.jp-QSession-job` in base.css. */
export const JOB_ROW_HEIGHT = 24;

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
 * The jobs of one session, newest first, one row each
 * (`[data-job-id]`): id, primitive, status, queue position and times, and a
 * "Cancel job" button on queued jobs. Up to `VIRTUALIZE_AFTER` jobs every row
 * is in the DOM; past that the list scrolls inside a fixed height and only
 * the rows in view (plus `OVERSCAN`) exist, placed at their offset.
 */
export class JobList {
  constructor(options: JobList.IOptions) {
    this._onCancel = options.onCancel;
    this.node = document.createElement('div');
    this.node.className = 'jp-QSession-jobs';
    this._rows = document.createElement('ol');
    this._rows.className = 'jp-QSession-jobRows';
    this._rows.setAttribute('aria-label', 'Jobs');
    this.node.appendChild(this._rows);
    this.node.addEventListener('scroll', () => {
      if (this._virtual) {
        this._render();
      }
    });
  }

  readonly node: HTMLElement;

  update(jobs: JobModel[], options: JobList.IUpdateOptions): void {
    this._jobs = jobs;
    this._options = options;
    this._virtual = jobs.length > VIRTUALIZE_AFTER;
    this.node.classList.toggle('jp-mod-virtual', this._virtual);
    this.node.hidden = jobs.length === 0;
    this._rows.style.height = this._virtual
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
    const rows: HTMLElement[] = [];
    for (let i = start; i < end; i++) {
      const row = this._renderJob(jobs[i]);
      if (this._virtual) {
        row.style.top = `${i * JOB_ROW_HEIGHT}px`;
      }
      rows.push(row);
    }
    this._rows.replaceChildren(...rows);
  }

  private _renderJob(job: JobModel): HTMLElement {
    const row = document.createElement('li');
    row.className = `jp-QSession-job jp-mod-${job.status.toLowerCase()}`;
    row.dataset.jobId = job.id;

    const id = span('jp-QSession-jobId', shortId(job.id));
    id.title = job.id;
    const primitive = span('jp-QSession-jobPrimitive', job.primitive ?? '');
    const status = span('jp-QSession-jobStatus', job.status);
    const position = span(
      'jp-QSession-queuePosition',
      job.queue_position !== null ? `#${job.queue_position}` : ''
    );
    position.title =
      job.queue_position !== null
        ? `Number ${job.queue_position} in the backend's queue`
        : '';
    const times = span('jp-QSession-jobTimes', jobTimes(job));
    times.title = [
      `created ${job.created ?? '-'}`,
      `started ${job.started ?? '-'}`,
      `finished ${job.finished ?? '-'}`
    ].join('\n');
    row.append(id, primitive, status, position, times);

    if (this._options.showActions && job.status === 'QUEUED') {
      row.appendChild(this._cancelButton(job));
    }
    return row;
  }

  private _cancelButton(job: JobModel): HTMLButtonElement {
    const permission = this._options.permission;
    const button = document.createElement('button');
    button.type = 'button';
    button.className =
      'jp-Button jp-mod-minimal jp-mod-small jp-QSession-cancelJob';
    button.setAttribute('aria-label', 'Cancel job');
    button.appendChild(
      closeIcon.element({ tag: 'span', className: 'jp-QSession-buttonIcon' })
    );
    if (permission.allowed) {
      button.title = `Cancel job ${job.id}`;
      button.addEventListener('click', event => {
        event.stopPropagation();
        button.disabled = true;
        void this._onCancel(job).finally(() => {
          button.disabled = false;
        });
      });
    } else {
      button.disabled = true;
      button.title = permission.reason;
    }
    return button;
  }

  private _onCancel: (job: JobModel) => Promise<unknown>;
  private _rows: HTMLElement;
  private _jobs: JobModel[] = [];
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

function span(className: string, text: string): HTMLSpanElement {
  const node = document.createElement('span');
  node.className = className;
  node.textContent = text;
  return node;
}

/** "14:03:27 → 14:03:30 → 14:03:41": created, started, finished as known. */
function jobTimes(job: JobModel): string {
  return [job.created, job.started, job.finished]
    .filter((t): t is string => t !== null)
    .map(t => clockTime(t))
    .join(' → ');
}
