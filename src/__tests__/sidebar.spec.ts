import { ServerConnection } from '@jupyterlab/services';

import type { Session } from '@jupyterlab/services';

import { DisposableDelegate } from '@lumino/disposable';

import { Signal } from '@lumino/signaling';

import type { ISessionsAPI } from '../api';

import type { SessionModel } from '../models';

import { QSessionSidebar } from '../sidebar';

import { FakeSocket } from './fakeSocket';

import { makeInfo, makeSession, T0 } from './fixtures';

/** Jupyter's sessions manager, as far as kernel naming uses it. */
function jupyterSessions() {
  const owner = {};
  const runningChanged = new Signal<object, Session.IModel[]>(owner);
  const running = jest.fn(() => [][Symbol.iterator]());
  return {
    manager: { runningChanged, running } as unknown as Session.IManager,
    runningChanged,
    running
  };
}

function setup() {
  const sockets: FakeSocket[] = [];
  const intervals = { set: jest.fn(() => 7), clear: jest.fn() };
  const timeouts = { set: jest.fn(() => 9), clear: jest.fn() };
  const sessions = jupyterSessions();
  const api = {
    info: jest.fn(async () => makeInfo()),
    closeSession: jest.fn(async (id: string) => makeSession({ id })),
    idleSessions: jest.fn(async () => [] as SessionModel[])
  };
  const confirm = jest.fn(async () => true);
  const sidebar = new QSessionSidebar({
    serverSettings: ServerConnection.makeSettings({
      baseUrl: 'http://localhost:8888/',
      wsUrl: 'ws://localhost:8888/'
    }),
    api: api as unknown as ISessionsAPI,
    confirm,
    sessions: sessions.manager,
    now: () => T0,
    ticker: { setInterval: intervals.set, clearInterval: intervals.clear },
    socketFactory: () => {
      const socket = new FakeSocket();
      sockets.push(socket);
      return socket;
    },
    schedule: timeouts.set,
    unschedule: timeouts.clear,
    notify: { info: jest.fn(), warning: jest.fn() }
  });
  return { sidebar, sockets, intervals, sessions, api, confirm };
}

describe('QSessionSidebar', () => {
  it('shows what the socket sends and advances the panel on each tick', () => {
    const { sidebar, sockets } = setup();
    sidebar.start();
    expect(sockets).toHaveLength(1);

    sockets[0].open();
    sockets[0].send({
      type: 'snapshot',
      sessions: [makeSession({ id: 'abc' })]
    });
    expect(sidebar.store.connection).toBe('connected');
    expect(
      sidebar.panel.node.querySelector('[data-session-id="abc"]')
    ).not.toBeNull();
    const tick = jest.spyOn(sidebar.panel, 'tick');
    sidebar.ticker.tick();
    expect(tick).toHaveBeenCalledTimes(1);
    sidebar.dispose();
  });

  it('applies the settings to the panel, the notifier and the actions', async () => {
    const { sidebar, api, confirm } = setup();
    sidebar.settings = {
      confirmActions: false,
      warningThreshold: 300,
      showEndedSessions: false,
      usageWarningFraction: 0.5
    };

    expect(sidebar.panel.settings).toEqual({
      warningThreshold: 300,
      showEndedSessions: false,
      usageWarningFraction: 0.5
    });
    expect(sidebar.notifier.warningThreshold).toBe(300);
    expect(sidebar.notifier.usageWarningFraction).toBe(0.5);

    sidebar.store.info = makeInfo();
    sidebar.store.applySnapshot([makeSession({ id: 'abc' })]);
    sidebar.panel.node
      .querySelector<HTMLButtonElement>('button[aria-label="Close session"]')!
      .click();
    await Promise.resolve();
    expect(api.closeSession).toHaveBeenCalledWith('abc');
    expect(confirm).not.toHaveBeenCalled();
    sidebar.dispose();
  });

  it('disposing the panel stops the timer, closes the socket and disconnects every signal', () => {
    const { sidebar, sockets, intervals, sessions } = setup();
    const command = new DisposableDelegate(() => undefined);
    sidebar.own(command);
    sidebar.start();
    const { store, ticker, stream, notifier, panel } = sidebar;
    const socket = sockets[0];
    const namesRead = sessions.running.mock.calls.length;

    panel.dispose();

    expect(sidebar.isDisposed).toBe(true);
    expect(intervals.clear).toHaveBeenCalledWith(7);
    expect(ticker.isDisposed).toBe(true);
    expect(ticker.isRunning).toBe(false);
    expect(socket.closed).toBe(true);
    expect(stream.isDisposed).toBe(true);
    expect(notifier.isDisposed).toBe(true);
    expect(store.isDisposed).toBe(true);
    expect(command.isDisposed).toBe(true);

    // Nothing is listening any more: Jupyter's sessions changing, a late
    // message of the old socket, a tick: none reaches the store or the panel.
    sessions.runningChanged.emit([]);
    expect(sessions.running).toHaveBeenCalledTimes(namesRead);
    socket.send({ type: 'snapshot', sessions: [makeSession()] });
    expect(store.sessions()).toEqual([]);
    expect(sockets).toHaveLength(1);
  });

  it('disposing the sidebar (the plugin deactivated) disposes its panel and what it owns', () => {
    const { sidebar } = setup();
    const owned = new DisposableDelegate(() => undefined);
    sidebar.own(owned);
    sidebar.start();

    sidebar.dispose();

    expect(sidebar.panel.isDisposed).toBe(true);
    expect(owned.isDisposed).toBe(true);
    const late = new DisposableDelegate(() => undefined);
    sidebar.own(late);
    expect(late.isDisposed).toBe(true);
  });
});
