import { closeIcon } from '@jupyterlab/ui-components';

import { Message } from '@lumino/messaging';

import { Widget } from '@lumino/widgets';

import { accountStateWords } from './accountHeader';

import type { ISessionActions } from './actions';

import type { Clock } from './countdown';

import { formatCountdown } from './countdown';

import { element } from './dom';

import { qsessionIcon } from './icons';

import type { SessionModel } from './models';

import { SessionList } from './sessionList';

import type { IRowContext, SessionRow } from './sessionRow';

import { DEFAULT_SETTINGS, IQSessionSettings } from './settings';

import {
  IAccountSectionOfGroups,
  ISessionGroup,
  SessionStore,
  StoreChange
} from './store';

import { UsageLine } from './usage';

/**
 * The DOM id of the sidebar panel; also how the shell and the UI tests find it.
 */
export const PANEL_ID = 'qsession-panel';

/**
 * The settings the panel reads (schema/plugin.json).
 */
export type IPanelSettings = Pick<
  IQSessionSettings,
  'showEndedSessions' | 'warningThreshold' | 'usageWarningFraction'
>;

/** Stands in until the plugin wires the real API: every action is refused. */
const noActions: ISessionActions = {
  closeSession: async () => false,
  cancelSession: async () => false,
  cancelJob: async () => false
};

/**
 * The left-sidebar panel listing Qiskit Runtime sessions, grouped by the
 * notebook (kernel) that opened them, then those found elsewhere on the
 * account; its header has "Close idle sessions".
 *
 * With one account (the usual lab: its emulator alone) the header shows
 * that account's QPU usage (or why it is unreachable) and nothing else says
 * which account a session is on. With several, each account gets a section:
 * a header (`AccountHeader`: name, channel/instance, state, usage) and its
 * sessions' groups, the lab's emulator first, then by name.
 *
 * One widget, one model: it renders the `SessionStore` on its `changed`
 * signal into a virtualized `SessionList`: only the rows in view exist, each
 * kept across renders while it stays in view (and its expanded state
 * remembered when it leaves). An event about one session updates that
 * session's row only, unless it moves the row (a new session, a session that
 * ended or changed kernel). It advances the countdowns in view on `tick()`,
 * which the plugin calls from its one 1 s timer.
 */
export class SessionsPanel extends Widget {
  constructor(options: SessionsPanel.IOptions = {}) {
    super();
    this.id = PANEL_ID;
    this.addClass('jp-QSessionPanel');
    this.title.icon = qsessionIcon;
    this.title.caption = 'Qiskit Runtime sessions';

    this.store = options.store ?? new SessionStore();
    this._actions = options.actions ?? noActions;
    this._closeIdleSessions = options.closeIdleSessions ?? (async () => false);
    this._now = options.now ?? Date.now;
    this._retryAt = options.retryAt ?? (() => null);
    this._settings = {
      showEndedSessions: DEFAULT_SETTINGS.showEndedSessions,
      warningThreshold: DEFAULT_SETTINGS.warningThreshold,
      usageWarningFraction: DEFAULT_SETTINGS.usageWarningFraction,
      ...options.settings
    };

    const header = document.createElement('header');
    header.className = 'jp-QSessionPanel-header';
    header.textContent = 'Qiskit Runtime sessions';

    // The account: its QPU usage, and closing the user's idle sessions.
    this._account = element('div', 'jp-QSessionPanel-account');
    this._usage = new UsageLine();
    this._accountState = element('div', 'jp-QSessionPanel-accountState');
    this._accountState.setAttribute('role', 'status');
    this._closeIdle = closeIdleButton();
    this._closeIdle.addEventListener('click', () => {
      this._closingIdle = true;
      this._renderAccount();
      void this._closeIdleSessions().finally(() => {
        this._closingIdle = false;
        this._renderAccount();
      });
    });
    this._account.append(this._usage.node, this._accountState, this._closeIdle);

    this._status = document.createElement('div');
    this._status.className = 'jp-QSessionPanel-connection';
    this._status.setAttribute('role', 'status');
    this._status.setAttribute('aria-live', 'polite');

    this._problem = document.createElement('div');
    this._problem.className = 'jp-QSessionPanel-problem';
    this._problem.setAttribute('role', 'alert');

    this._warnings = document.createElement('ul');
    this._warnings.className = 'jp-QSessionPanel-warnings';
    this._warnings.setAttribute('aria-label', 'Warnings from the server');

    this._empty = document.createElement('p');
    this._empty.className = 'jp-QSessionPanel-empty';

    this._list = new SessionList({
      scroller: this.node,
      actions: this._actions,
      now: this._now,
      times: id => this.store.times(id),
      context: session => this._rowContext(session),
      warnAt: () => this._settings.usageWarningFraction
    });

    this.node.append(
      header,
      this._account,
      this._status,
      this._problem,
      this._warnings,
      this._empty,
      this._list.node
    );
    this.store.changed.connect(this._onChanged, this);
    this.store.accountsChanged.connect(this._onAccountsChanged, this);
    this.store.idleChanged.connect(this._renderAccount, this);
    this._render();
  }

  /** The model this panel shows. */
  readonly store: SessionStore;

  get settings(): IPanelSettings {
    return this._settings;
  }

  set settings(settings: IPanelSettings) {
    this._settings = { ...settings };
    this._render();
  }

  /** The row of a session, if it is in view. */
  row(sessionId: string): SessionRow | undefined {
    return this._list.row(sessionId);
  }

  /**
   * Advance the countdowns and the reconnect message to the clock's now. Cheap
   * when the panel is hidden: it refreshes on showing instead.
   */
  tick(): void {
    if (this.isDisposed || !this._isShown()) {
      return;
    }
    this._list.tick();
    this._renderStatus();
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.store.changed.disconnect(this._onChanged, this);
    this.store.accountsChanged.disconnect(this._onAccountsChanged, this);
    this.store.idleChanged.disconnect(this._renderAccount, this);
    this._list.dispose();
    super.dispose();
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this._list.refresh();
    this.tick();
  }

  protected onResize(msg: Widget.ResizeMessage): void {
    super.onResize(msg);
    this._list.refresh();
  }

  /** Attached and visible, or not attached at all (tests render detached). */
  private _isShown(): boolean {
    return !this.isAttached || this.isVisible;
  }

  private _onChanged(_: SessionStore, change: StoreChange): void {
    if (change === null || !this._renderSession(change)) {
      this._render();
    }
  }

  /**
   * An account changed, came or went: its header only, unless the sections
   * change (an account added or gone, one account becoming several).
   */
  private _onAccountsChanged(): void {
    const sections = this._sections();
    if (layoutOf(sections) !== this._sectionLayout) {
      this._render();
      return;
    }
    if (this._sectionLayout !== '') {
      this._list.updateAccounts(sections);
    }
    this._renderAccount();
  }

  private _sections(): IAccountSectionOfGroups[] {
    return this.store.sections({
      showEnded: this._settings.showEndedSessions
    });
  }

  /**
   * Update the row of the session `sessionId` alone.
   *
   * @returns false when the change moves the row (or adds one), and the
   *   caller must render the list
   */
  private _renderSession(sessionId: string): boolean {
    const session = this.store.get(sessionId);
    const before = this._shown.get(sessionId);
    if (!session || !before) {
      return false;
    }
    const ended = (s: SessionModel) => s.state === 'closed';
    if (
      before.kernel_id !== session.kernel_id ||
      before.origin !== session.origin ||
      before.account.name !== session.account.name ||
      ended(before) !== ended(session)
    ) {
      return false;
    }
    this._shown.set(sessionId, session);
    return this._list.updateSession(session);
  }

  private _rowContext(session: SessionModel): IRowContext {
    return {
      permission: this.store.permission(session),
      warningThreshold: this._settings.warningThreshold
    };
  }

  private _render(): void {
    if (this.isDisposed) {
      return;
    }
    const sections = this._sections();
    this._sectionLayout = layoutOf(sections);
    this._renderStatus();
    this._renderAccount();
    const problem = this.store.problem;
    this._problem.hidden = problem === null;
    this._problem.textContent = problem ?? '';
    this._renderWarnings(this.store.warnings);

    if (this._sectionLayout !== '') {
      this._renderEmpty([], true);
      this._renderShown(
        ([] as ISessionGroup[]).concat(...sections.map(s => s.groups))
      );
      this._list.setSections(sections);
      return;
    }
    const groups = this.store.groups({
      showEnded: this._settings.showEndedSessions
    });
    this._renderEmpty(groups, false);
    this._renderShown(groups);
    this._list.setGroups(groups);
  }

  private _renderStatus(): void {
    let text = '';
    switch (this.store.connection) {
      case 'connecting':
        text = 'Connecting to the server…';
        break;
      case 'reconnecting': {
        const at = this._retryAt();
        const wait = at === null ? 0 : Math.ceil((at - this._now()) / 1000);
        text =
          wait > 0
            ? `Reconnecting in ${formatCountdown(wait)}…`
            : 'Reconnecting…';
        break;
      }
      case 'disposed':
        text = 'Disconnected';
        break;
    }
    this._status.hidden = text === '';
    this._status.textContent = text;
    this._status.dataset.connection = this.store.connection;
    this.toggleClass(
      'jp-mod-reconnecting',
      this.store.connection === 'reconnecting'
    );
  }

  /**
   * With one account, its usage line (or why it is unreachable); and "Close
   * idle sessions": hidden for a user who may not close sessions, disabled
   * while the server lists none of theirs idle.
   */
  private _renderAccount(): void {
    if (this.isDisposed) {
      return;
    }
    const store = this.store;
    const single = this._sectionLayout === '';
    const account = single ? (store.accounts()[0] ?? null) : null;
    const unreachable = account?.state === 'unreachable';
    this._usage.render(
      account?.usage ?? null,
      store.hasSnapshot && single && !unreachable,
      this._settings.usageWarningFraction,
      this._now()
    );
    this._accountState.hidden = !unreachable;
    if (unreachable) {
      const words = accountStateWords(account, this._now());
      this._accountState.textContent = `${account.name} is ${words.word}. ${words.detail}`;
      this._accountState.title = words.title;
    }
    const button = this._closeIdle;
    button.hidden = !store.info?.can_write;
    const idle = store.idleSessions;
    const count = button.querySelector('.jp-QSession-idleCount')!;
    count.textContent = idle && idle.length > 0 ? ` (${idle.length})` : '';
    button.disabled = this._closingIdle || (idle !== null && idle.length === 0);
    button.classList.toggle('jp-mod-busy', this._closingIdle);
    button.title =
      idle === null
        ? 'Close your idle sessions (no job queued or running), after a confirmation listing them'
        : idle.length === 0
          ? 'None of your sessions is idle: each is closed or has a job queued or running'
          : `Close your ${idle.length === 1 ? 'idle session' : `${idle.length} idle sessions`} ` +
            '(no job queued or running), after a confirmation listing them';
    this._account.hidden =
      this._usage.node.hidden && this._accountState.hidden && button.hidden;
  }

  private _renderWarnings(warnings: string[]): void {
    this._warnings.hidden = warnings.length === 0;
    this._warnings.replaceChildren(
      ...warnings.map(text => {
        const item = document.createElement('li');
        item.textContent = text;
        return item;
      })
    );
  }

  private _renderEmpty(groups: ISessionGroup[], bySection: boolean): void {
    // With a problem and nothing to list, the problem says why: "No sessions
    // yet" would claim something nobody could check. Account sections say
    // "No sessions" each.
    const shown = bySection || groups.length > 0 || this.store.problem !== null;
    const hidden =
      !this._settings.showEndedSessions && this.store.sessions().length > 0;
    this._empty.hidden = shown;
    this._empty.textContent = shown
      ? ''
      : hidden
        ? 'No open sessions; ended sessions are hidden (turn on “Show ended sessions” in Settings › Qiskit Runtime sessions)'
        : 'No sessions yet';
  }

  /** Remember the sessions listed (to tell an event that moves a row). */
  private _renderShown(groups: ISessionGroup[]): void {
    this._shown = new Map();
    for (const group of groups) {
      for (const session of group.sessions) {
        this._shown.set(session.id, session);
      }
    }
  }

  private _actions: ISessionActions;
  private _closeIdleSessions: () => Promise<boolean>;
  private _account: HTMLElement;
  private _usage: UsageLine;
  private _accountState: HTMLElement;
  /** The account sections' names as last rendered; '' for the one-account look. */
  private _sectionLayout = '';
  private _closeIdle: HTMLButtonElement;
  private _closingIdle = false;
  private _now: Clock;
  private _retryAt: () => number | null;
  private _settings: IPanelSettings;
  private _status: HTMLElement;
  private _problem: HTMLElement;
  private _warnings: HTMLElement;
  private _empty: HTMLElement;
  private _list: SessionList;
  /** The sessions listed, as last rendered (to tell an event that moves a row). */
  private _shown = new Map<string, SessionModel>();
}

/**
 * What decides the list's layout: '' with one account or none (today's
 * look), else the sections' names in order.
 */
function layoutOf(sections: IAccountSectionOfGroups[]): string {
  return sections.length > 1
    ? sections.map(section => section.name).join('\n')
    : '';
}

/** "Close idle sessions", "Close idle" in a narrow sidebar; the count follows. */
function closeIdleButton(): HTMLButtonElement {
  const button = document.createElement('button');
  button.type = 'button';
  button.className =
    'jp-Button jp-mod-minimal jp-mod-small jp-QSession-action jp-QSession-closeIdle';
  button.setAttribute('aria-label', 'Close idle sessions');
  button.appendChild(
    closeIcon.element({ tag: 'span', className: 'jp-QSession-buttonIcon' })
  );
  const text = element('span', 'jp-QSession-actionLabel');
  text.append(
    element('span', 'jp-QSession-actionShort', 'Close idle'),
    element('span', 'jp-QSession-actionLong', 'Close idle sessions'),
    element('span', 'jp-QSession-idleCount')
  );
  button.appendChild(text);
  return button;
}

export namespace SessionsPanel {
  export interface IOptions {
    store?: SessionStore;
    actions?: ISessionActions;
    /** What "Close idle sessions" does (`SessionActions.closeIdleSessions`). */
    closeIdleSessions?: () => Promise<boolean>;
    /** The clock countdowns are read from. */
    now?: Clock;
    /** When the event stream retries next, for the "Reconnecting in" message. */
    retryAt?: () => number | null;
    settings?: Partial<IPanelSettings>;
  }
}
