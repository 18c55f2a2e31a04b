import {
  caretDownIcon,
  caretRightIcon,
  closeIcon,
  LabIcon,
  stopIcon
} from '@jupyterlab/ui-components';

import type { ISessionActions } from './actions';

import { Clock, formatCountdown, secondsUntil } from './countdown';

import { element, setText } from './dom';

import { JobList } from './jobList';

import { badge, endedReasonLabel, modeWord } from './labels';

import type { SessionModel } from './models';

import { DEFAULT_SETTINGS } from './settings';

import { Permission, samePermission } from './store';

import {
  patchTimeline,
  renderTimeline,
  sessionTimeline,
  TIMELINE_MAX_JOBS
} from './timeline';

import {
  clockTime,
  formatDuration,
  type ISessionTimes,
  sessionSince,
  sinceTime
} from './times';

/**
 * What a row needs besides its session.
 */
export interface IRowContext {
  permission: Permission;
  /** Seconds of max TTL under which the countdown shows as a warning. */
  warningThreshold: number;
}

/**
 * One session in the sidebar (`li[data-session-id]`): header with backend,
 * mode and state badge; max-TTL and (while active) interactive-TTL
 * countdowns; QPU usage; why it ended; the "Close session" and "Cancel
 * session" buttons; its jobs; and, when expanded, its timeline.
 *
 * `update` is called on every event for this session and re-reads all of it,
 * so countdowns resync to the server's times; `tick` only advances the
 * countdowns (and the timeline's right edge) with the clock, from the times
 * the store parsed when the session arrived.
 */
export class SessionRow {
  constructor(
    session: SessionModel,
    times: ISessionTimes,
    options: SessionRow.IOptions
  ) {
    this._actions = options.actions;
    this._now = options.now;
    this._session = session;
    this._times = times;

    const node = (this.node = document.createElement('li'));
    node.className = 'jp-QSession-session';
    node.dataset.sessionId = session.id;

    this._header = element('div', 'jp-QSession-sessionHeader');
    this._expand = document.createElement('button');
    this._expand.type = 'button';
    this._expand.className =
      'jp-Button jp-mod-minimal jp-mod-small jp-QSession-expand';
    this._expand.setAttribute('aria-label', 'Session details');
    this._backend = element('span', 'jp-QSession-backend');
    this._mode = element('span', 'jp-QSession-mode');
    this._badge = element('span', 'jp-QSession-badge');
    this._header.append(this._expand, this._backend, this._mode, this._badge);
    this._header.addEventListener('click', () => {
      this.expanded = !this.expanded;
    });

    const meta = element('div', 'jp-QSession-sessionMeta');
    this._maxTtlBox = countdownBox('max TTL');
    this._maxTtl = element('span', 'jp-QSession-maxTtl');
    this._maxTtlBox.appendChild(this._maxTtl);
    this._interactiveBox = countdownBox('idle in');
    this._interactiveTtl = element('span', 'jp-QSession-interactiveTtl');
    this._interactiveBox.appendChild(this._interactiveTtl);
    this._usage = element('span', 'jp-QSession-usage');
    this._sinceBox = countdownBox('since');
    this._since = element('span', 'jp-QSession-since');
    this._sinceBox.appendChild(this._since);
    meta.append(
      this._maxTtlBox,
      this._interactiveBox,
      this._usage,
      this._sinceBox
    );

    this._ended = element('div', 'jp-QSession-endedReason');

    this._actionsBar = element('div', 'jp-QSession-actions');
    this._close = actionButton('Close session', 'Close', closeIcon);
    this._cancel = actionButton('Cancel session', 'Cancel', stopIcon);
    this._close.addEventListener('click', () =>
      this._act(this._close, () => this._actions.closeSession(this._session))
    );
    this._cancel.addEventListener('click', () =>
      this._act(this._cancel, () => this._actions.cancelSession(this._session))
    );
    this._actionsBar.append(this._close, this._cancel);

    this._timelineBox = element('div', 'jp-QSession-details');
    this._jobs = new JobList({
      onCancel: job => this._actions.cancelJob(this._session, job)
    });

    node.append(
      this._header,
      meta,
      this._ended,
      this._actionsBar,
      this._timelineBox,
      this._jobs.node
    );
    this._renderExpanded();
  }

  readonly node: HTMLLIElement;

  get session(): SessionModel {
    return this._session;
  }

  /** Whether the timeline is shown; toggled by clicking the header. */
  get expanded(): boolean {
    return this._expanded;
  }

  set expanded(value: boolean) {
    if (value === this._expanded) {
      return;
    }
    this._expanded = value;
    this._renderExpanded();
  }

  update(
    session: SessionModel,
    times: ISessionTimes,
    context: IRowContext
  ): void {
    // The store replaces a session's object only when an event changed it,
    // so an unchanged object with the same context has nothing new to show.
    if (
      this._rendered &&
      session === this._session &&
      sameContext(context, this._context)
    ) {
      return;
    }
    this._rendered = true;
    this._session = session;
    this._times = times;
    this._context = context;
    const closed = session.state === 'closed';

    this.node.dataset.state = session.state;
    this.node.classList.toggle('jp-mod-closed', closed);
    this._header.title = `Session ${session.id}\nOwner: ${session.owner}\nProvider: ${session.provider}`;
    setText(this._backend, session.backend);
    this._backend.title = `Backend ${session.backend}`;
    const mode = modeWord(session);
    setText(this._mode, mode);
    this._mode.title =
      session.mode === 'batch'
        ? 'Batch: its jobs run in parallel and jump the queue together'
        : 'Session: holds the QPU for this notebook between its jobs';
    const shown = badge(session);
    setText(this._badge, shown.word);
    this._badge.className = `jp-QSession-badge jp-mod-${shown.kind}`;
    this._badge.title =
      shown.kind === 'closing'
        ? 'Closing: it accepts no new jobs and ends once its queued jobs ran'
        : `State: ${shown.word}`;
    // The header's words for QPU time, so the two figures read alike.
    setText(this._usage, `QPU ${formatDuration(session.usage_seconds)}`);
    // IBM's rule (quantum.cloud.ibm.com/docs/guides/estimate-job-run-time,
    // "Workload usage"): a session counts the time it is active, QPU
    // reserved, jobs or not; a batch the QPU time of its jobs.
    this._usage.title =
      session.mode === 'batch'
        ? 'QPU time used so far, as IBM counts it for a batch: the QPU time of its jobs'
        : 'QPU time used so far, as IBM counts it for a session: the time it was active (QPU reserved), jobs or not';

    // A session found elsewhere: since when it is known (it may predate the page).
    const elsewhere = session.origin === 'elsewhere';
    const since = sessionSince(times);
    this._sinceBox.hidden = !elsewhere || since === null;
    setText(this._since, sinceTime(since, this._now()));
    this._sinceBox.title =
      times.startedAt !== null
        ? `Its first job started at ${sinceTime(since, this._now())}`
        : `Found on the account at ${sinceTime(since, this._now())}`;
    this.node.dataset.origin = session.origin;

    this._ended.hidden = !closed;
    const ended = closed
      ? `Ended: ${endedReasonLabel(session.ended_reason)}` +
        (times.closedAt !== null ? ` at ${clockTime(times.closedAt)}` : '')
      : '';
    setText(this._ended, ended);
    this._ended.title = ended;

    this._actionsBar.hidden = closed;
    const { permission } = context;
    setAllowed(
      this._close,
      permission,
      session.accepting_jobs
        ? { allowed: true }
        : {
            allowed: false,
            reason:
              'Closing: it accepts no new jobs and closes once its queued jobs ran'
          },
      'Accept no new jobs; queued jobs still run, then the session closes'
    );
    setAllowed(
      this._cancel,
      permission,
      { allowed: true },
      'Cancel queued jobs and end the session now; a running job finishes'
    );

    this._jobs.update(session.jobs, times.jobs, {
      showActions: !closed,
      permission
    });
    this.tick();
  }

  /**
   * Advance the countdowns (and an expanded timeline) to the clock's now.
   */
  tick(): void {
    const session = this._session;
    const times = this._times;
    const now = this._now();
    const closed = session.state === 'closed';

    this._maxTtlBox.hidden =
      closed || (times.expiresAt === null && session.max_time === null);
    if (!this._maxTtlBox.hidden) {
      const left = secondsUntil(times.expiresAt, now);
      setCountdown(
        this._maxTtl,
        left,
        session.max_time,
        this._context.warningThreshold
      );
      this._maxTtl.title =
        left === null
          ? 'The max TTL starts counting when the first job starts'
          : `Max TTL: the session ends at ${clockTime(times.expiresAt)}`;
    }

    this._interactiveBox.hidden =
      session.state !== 'active' ||
      (times.interactiveExpiresAt === null &&
        session.interactive_timeout === null);
    if (!this._interactiveBox.hidden) {
      const left = secondsUntil(times.interactiveExpiresAt, now);
      setCountdown(this._interactiveTtl, left, session.interactive_timeout, 0);
      this._interactiveTtl.title =
        left === null
          ? 'Interactive TTL: paused while a job is queued or running'
          : `Interactive TTL: the session turns inactive at ${clockTime(
              times.interactiveExpiresAt
            )} unless a job comes`;
    }

    if (this._expanded) {
      const timeline = sessionTimeline(
        session,
        now,
        TIMELINE_MAX_JOBS,
        this._times
      );
      const shown = this._timelineBox.firstElementChild as HTMLElement | null;
      if (!shown || !patchTimeline(shown, timeline)) {
        this._timelineBox.replaceChildren(renderTimeline(timeline));
      }
    }
  }

  dispose(): void {
    this.node.remove();
  }

  private _renderExpanded(): void {
    const expanded = this._expanded;
    this._expand.setAttribute('aria-expanded', String(expanded));
    this._expand.title = expanded ? 'Hide the timeline' : 'Show the timeline';
    const icon = expanded ? caretDownIcon : caretRightIcon;
    this._expand.replaceChildren(
      icon.element({ tag: 'span', className: 'jp-QSession-buttonIcon' })
    );
    this.node.classList.toggle('jp-mod-expanded', expanded);
    this._timelineBox.hidden = !expanded;
    if (expanded) {
      this.tick();
    } else {
      this._timelineBox.replaceChildren();
    }
  }

  private _act(
    button: HTMLButtonElement,
    action: () => Promise<boolean>
  ): void {
    button.disabled = true;
    button.classList.add('jp-mod-busy');
    void action().finally(() => {
      button.classList.remove('jp-mod-busy');
      // Re-derive from the current state rather than blindly re-enabling.
      this._rendered = false;
      this.update(this._session, this._times, this._context);
    });
  }

  private _actions: ISessionActions;
  private _now: Clock;
  private _session: SessionModel;
  private _times: ISessionTimes;
  private _context: IRowContext = {
    permission: { allowed: false, reason: '' },
    warningThreshold: DEFAULT_SETTINGS.warningThreshold
  };
  private _expanded = false;
  private _rendered = false;
  private _header: HTMLElement;
  private _expand: HTMLButtonElement;
  private _backend: HTMLElement;
  private _mode: HTMLElement;
  private _badge: HTMLElement;
  private _maxTtlBox: HTMLElement;
  private _maxTtl: HTMLElement;
  private _interactiveBox: HTMLElement;
  private _interactiveTtl: HTMLElement;
  private _usage: HTMLElement;
  private _sinceBox: HTMLElement;
  private _since: HTMLElement;
  private _ended: HTMLElement;
  private _actionsBar: HTMLElement;
  private _close: HTMLButtonElement;
  private _cancel: HTMLButtonElement;
  private _timelineBox: HTMLElement;
  private _jobs: JobList;
}

export namespace SessionRow {
  export interface IOptions {
    actions: ISessionActions;
    now: Clock;
  }
}

function sameContext(a: IRowContext, b: IRowContext): boolean {
  return (
    a.warningThreshold === b.warningThreshold &&
    samePermission(a.permission, b.permission)
  );
}

function countdownBox(label: string): HTMLElement {
  const box = element('span', 'jp-QSession-countdown');
  box.appendChild(element('span', 'jp-QSession-countdownLabel')).textContent =
    label;
  return box;
}

/**
 * A button named `label` that shows `short` in a narrow sidebar and `label`
 * where there is room (a container query in base.css picks one); its
 * tooltip always says in full what it does.
 */
function actionButton(
  label: string,
  short: string,
  icon: LabIcon
): HTMLButtonElement {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'jp-Button jp-mod-minimal jp-mod-small jp-QSession-action';
  button.setAttribute('aria-label', label);
  button.appendChild(
    icon.element({ tag: 'span', className: 'jp-QSession-buttonIcon' })
  );
  const text = element('span', 'jp-QSession-actionLabel');
  text.append(
    element('span', 'jp-QSession-actionShort', short),
    element('span', 'jp-QSession-actionLong', label)
  );
  button.appendChild(text);
  return button;
}

/**
 * Enable `button` when both the user's right and the session's state allow
 * it; otherwise disable it with the first reason as its tooltip.
 */
function setAllowed(
  button: HTMLButtonElement,
  permission: Permission,
  state: Permission,
  whatItDoes: string
): void {
  if (button.classList.contains('jp-mod-busy')) {
    return;
  }
  const refusal = !permission.allowed
    ? permission
    : !state.allowed
      ? state
      : null;
  button.disabled = refusal !== null;
  button.title = refusal ? refusal.reason : whatItDoes;
}

/**
 * Show `left` seconds; or, before the countdown started, the full `total`
 * marked `jp-mod-notStarted`.
 */
function setCountdown(
  node: HTMLElement,
  left: number | null,
  total: number | null,
  warningThreshold: number
): void {
  const notStarted = left === null;
  node.textContent = formatCountdown(left ?? total ?? 0);
  node.classList.toggle('jp-mod-notStarted', notStarted);
  node.classList.toggle(
    'jp-mod-warning',
    !notStarted && left! > 0 && left! <= warningThreshold
  );
  node.classList.toggle('jp-mod-expired', left === 0);
}
