import type { Session } from '@jupyterlab/services';

import { ServerConnection } from '@jupyterlab/services';

import { DisposableSet, IDisposable } from '@lumino/disposable';

import { Signal } from '@lumino/signaling';

import { Confirm, SessionActions } from './actions';

import { errorMessage, ISessionsAPI, SessionsAPI } from './api';

import { Clock, Ticker } from './countdown';

import {
  ConnectionStatus,
  eventsUrl,
  SessionEventStream,
  SocketFactory
} from './events';

import { IdleWatch } from './idleWatch';

import { trackKernelNames } from './kernelNames';

import { API_VERSION } from './models';

import type { SessionEvent } from './models';

import { INotify, SessionNotifier } from './notifier';

import { IPanelSettings, SessionsPanel } from './panel';

import { DEFAULT_SETTINGS, IQSessionSettings } from './settings';

import { SessionStore } from './store';

/**
 * Ask the server who the user is and what they may do, and check that it
 * speaks the API this frontend was generated for (`API_VERSION` of
 * models.ts) and that its session registry can be used; what goes wrong is
 * shown in the panel (`store.problem`) rather than only in the console.
 */
export async function loadServerInfo(
  api: ISessionsAPI,
  store: SessionStore
): Promise<void> {
  try {
    const info = await api.info();
    store.info = info;
    store.problem =
      info.api_version === API_VERSION
        ? (info.registry_error ?? null)
        : `The server extension (jupyter-qsession ${info.version}) speaks API ` +
          `version ${info.api_version}; this sidebar speaks ${API_VERSION}. ` +
          'Install matching versions and reload.';
  } catch (error) {
    store.problem =
      `The jupyter_qsession server extension did not answer (${errorMessage(error)}). ` +
      'Is it installed and enabled?';
  }
}

/**
 * The sidebar and everything it runs on: the store, the event stream, the
 * one 1 s ticker, the notifier, the kernel-name tracking and the signal
 * connections between them. It owns them all: disposing it, or its panel
 * (which the shell may do), stops the timer, closes the socket and
 * disconnects every signal.
 */
export class QSessionSidebar implements IDisposable {
  constructor(options: QSessionSidebar.IOptions = {}) {
    const serverSettings =
      options.serverSettings ?? ServerConnection.makeSettings();
    this._settings = { ...DEFAULT_SETTINGS, ...options.settings };
    this.api = options.api ?? new SessionsAPI(serverSettings);
    this._now = options.now ?? Date.now;
    this.store = new SessionStore();
    this.ticker = new Ticker(options.ticker);
    this.stream = new SessionEventStream({
      url: eventsUrl(serverSettings),
      socketFactory: options.socketFactory,
      schedule: options.schedule,
      unschedule: options.unschedule,
      now: options.now
    });
    const actions = new SessionActions({
      api: this.api,
      confirm: options.confirm,
      shouldConfirm: () => this._settings.confirmActions,
      report: options.notify,
      now: options.now
    });
    this.actions = actions;
    this.panel = new SessionsPanel({
      store: this.store,
      actions,
      closeIdleSessions: () => actions.closeIdleSessions(),
      now: options.now,
      retryAt: () => this.stream.retryAt,
      settings: panelSettings(this._settings)
    });
    this.notifier = new SessionNotifier({
      store: this.store,
      ticker: this.ticker,
      now: options.now,
      notify: options.notify,
      warningThreshold: this._settings.warningThreshold,
      usageWarningFraction: this._settings.usageWarningFraction
    });
    this.own(new IdleWatch(this.api, this.store));

    this.stream.received.connect(this._onEvent, this);
    this.stream.statusChanged.connect(this._onStatus, this);
    this.ticker.ticked.connect(this._onTick, this);
    if (options.sessions) {
      this.own(trackKernelNames(options.sessions, this.store));
    }
    this.panel.disposed.connect(this.dispose, this);
  }

  readonly api: ISessionsAPI;
  readonly store: SessionStore;
  readonly ticker: Ticker;
  readonly stream: SessionEventStream;
  readonly panel: SessionsPanel;
  readonly notifier: SessionNotifier;
  /** What the sidebar's buttons do; the cells' statuses act through it too. */
  readonly actions: SessionActions;

  get isDisposed(): boolean {
    return this._resources.isDisposed;
  }

  get settings(): IQSessionSettings {
    return this._settings;
  }

  /** Apply the user's settings to the panel, the notifier and the actions. */
  set settings(settings: IQSessionSettings) {
    this._settings = { ...settings };
    this.notifier.warningThreshold = settings.warningThreshold;
    this.notifier.usageWarningFraction = settings.usageWarningFraction;
    this.panel.settings = panelSettings(settings);
  }

  /** Dispose `resource` with the sidebar (a command, a settings listener). */
  own(resource: IDisposable): void {
    if (this.isDisposed) {
      resource.dispose();
    } else {
      this._resources.add(resource);
    }
  }

  /** Ask the server what the user may do, connect and start ticking. */
  start(): void {
    if (this.isDisposed) {
      return;
    }
    void loadServerInfo(this.api, this.store);
    this.stream.connect();
    this.ticker.start();
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    Signal.disconnectReceiver(this);
    this._resources.dispose();
    this.ticker.dispose();
    this.stream.dispose();
    this.notifier.dispose();
    this.panel.dispose();
    this.store.dispose();
  }

  private _onEvent(_: SessionEventStream, event: SessionEvent): void {
    this.store.applyEvent(event);
  }

  private _onStatus(stream: SessionEventStream, status: ConnectionStatus) {
    this.store.connection = status;
    if (status === 'connected' && stream.attempts > 0) {
      // Once per reconnection, not a poll: the server may have restarted.
      void loadServerInfo(this.api, this.store);
    }
  }

  private _onTick(): void {
    // Ended sessions leave when the server's live view drops them (a render
    // of the list); then the rows in view advance their countdowns.
    this.store.ageOut(this._now());
    this.panel.tick();
  }

  private _now: Clock;
  private _settings: IQSessionSettings;
  private _resources = new DisposableSet();
}

function panelSettings(settings: IQSessionSettings): IPanelSettings {
  return {
    showEndedSessions: settings.showEndedSessions,
    warningThreshold: settings.warningThreshold,
    usageWarningFraction: settings.usageWarningFraction
  };
}

export namespace QSessionSidebar {
  export interface IOptions {
    /** The page's server by default. */
    serverSettings?: ServerConnection.ISettings;
    /** The REST client; `SessionsAPI` over `serverSettings` by default. */
    api?: ISessionsAPI;
    /** Jupyter's sessions, to name kernels after their notebooks. */
    sessions?: Session.IManager;
    /** The initial settings; `DEFAULT_SETTINGS` for anything left out. */
    settings?: Partial<IQSessionSettings>;
    /** Test seams: the clock, timers, the socket, dialogs, notifications. */
    now?: Clock;
    ticker?: Ticker.IOptions;
    socketFactory?: SocketFactory;
    schedule?: (fn: () => void, ms: number) => any;
    unschedule?: (handle: any) => void;
    confirm?: Confirm;
    notify?: INotify;
  }
}
