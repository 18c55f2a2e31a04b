import {
  closeIdleConfirmation,
  closeIdleReport,
  IConfirmation,
  SessionActions
} from '../actions';

import { SessionsAPI } from '../api';

import { SessionEventStream } from '../events';

import { IdleWatch } from '../idleWatch';

import type { AccountUsage, SessionEvent } from '../models';

import { SessionNotifier } from '../notifier';

import { SessionsPanel } from '../panel';

import { requestAPI } from '../request';

import { SessionStore } from '../store';

import { formatDuration } from '../times';

import { usageWords } from '../usage';

import { FakeSocket } from './fakeSocket';

import {
  at,
  makeElsewhere,
  makeAccount,
  makeInfo,
  makeJob,
  makeSession,
  makeUsage,
  T0
} from './fixtures';

import { mockedRequestAPI, RequestTable } from './requestTable';

jest.mock('../request');

const mockedRequest = requestAPI as jest.MockedFunction<typeof requestAPI>;

function useTable(table: RequestTable): void {
  mockedRequest.mockReset();
  mockedRequest.mockImplementation(mockedRequestAPI(table) as any);
}

/** A snapshot of the lab's emulator alone, with `usage`. */
function snapshotWith(usage: AccountUsage | null): SessionEvent {
  return { type: 'snapshot', sessions: [], accounts: [makeAccount({ usage })] };
}

/** The lab's emulator's account event, with `usage`. */
function usageEvent(usage: AccountUsage | null): SessionEvent {
  return { type: 'account', account: makeAccount({ usage }) };
}

/** Let the promise callbacks queued so far run. */
const settle = () => new Promise(resolve => setTimeout(resolve, 0));

describe("the account's usage: store and stream", () => {
  it("takes the account's usage from the snapshot, then from account events, without re-rendering the list", () => {
    const socket = new FakeSocket();
    const stream = new SessionEventStream({
      url: 'ws://x',
      socketFactory: () => socket
    });
    const store = new SessionStore();
    stream.received.connect((_, event) => store.applyEvent(event));
    const changes: unknown[] = [];
    const accounts: (string | null)[] = [];
    store.changed.connect((_, change) => changes.push(change));
    store.accountsChanged.connect((_, name) => accounts.push(name));
    stream.connect();
    socket.open();

    socket.send(snapshotWith(makeUsage()));
    expect(store.account('emulator')!.usage!.used_seconds).toBe(750);
    socket.send(
      usageEvent(makeUsage({ used_seconds: 800, remaining_seconds: 35200 }))
    );

    expect(store.account('emulator')!.usage!.used_seconds).toBe(800);
    expect(accounts).toEqual([null, 'emulator']);
    expect(changes).toEqual([null]); // the snapshot's only
    stream.dispose();
  });

  it('forgets the usage when a snapshot comes without it (the service did not answer)', () => {
    const store = new SessionStore();
    store.applyEvent(snapshotWith(makeUsage()));
    store.applyEvent(snapshotWith(null));
    expect(store.account('emulator')!.usage).toBeNull();
  });
});

describe('the usage header', () => {
  function setup(usageWarningFraction = 0.8) {
    const store = new SessionStore();
    store.info = makeInfo();
    const panel = new SessionsPanel({
      store,
      now: () => T0,
      settings: { usageWarningFraction }
    });
    const line = panel.node.querySelector<HTMLElement>(
      '.jp-QSessionPanel-usage'
    )!;
    const long = () =>
      line.querySelector('.jp-QSessionPanel-usageLong')!.textContent;
    const short = () =>
      line.querySelector('.jp-QSessionPanel-usageShort')!.textContent;
    return { store, panel, line, long, short };
  }

  it('formats QPU durations compactly', () => {
    expect(formatDuration(45)).toBe('45s');
    expect(formatDuration(750)).toBe('12m 30s');
    expect(formatDuration(720)).toBe('12m');
    expect(formatDuration(36000)).toBe('10h');
    expect(formatDuration(35250)).toBe('9h 47m');
    expect(formatDuration(-3)).toBe('0s');
  });

  it('says used of the limit and what is left, with the period on hover', () => {
    const { store, line, long, short } = setup();
    expect(line.hidden).toBe(true); // nothing to say before the snapshot

    store.applyEvent(snapshotWith(makeUsage()));

    expect(line.hidden).toBe(false);
    expect(long()).toBe('QPU time: 12m 30s used of 10h (9h 47m left)');
    expect(line.title).toMatch(
      /^QPU time: 12m 30s used of 10h \(9h 47m left\)/
    );
    expect(line.title).toContain('Period: ');
    expect(line.classList).not.toContain('jp-mod-warning');
    // The bar: 750 of 36000 s.
    expect(
      line.querySelector<HTMLElement>('.jp-QSessionPanel-usageUsed')!.style
        .width
    ).toBe('2.1%');
    expect(short()).toBe('QPU 12m 30s / 10h (9h 47m left)');
  });

  it('abbreviates for a narrow sidebar: the short words fit 220 px, the tooltip has them in full', () => {
    // The widest short text a limit can give: two-part durations each side.
    const worst = usageWords(
      makeUsage({
        used_seconds: 3599 * 10 + 59,
        limit_seconds: 86400 * 3 - 60,
        remaining_seconds: 86400 * 2 + 3540
      }),
      0.8
    );
    // 196 px of text at the header's 11 px font: about 32 characters (the
    // Playwright spec checks nothing is clipped at 220 and 250 px).
    expect(worst.short.length).toBeLessThanOrEqual(32);
    expect(worst.short.length).toBeLessThan(worst.long.length);
    expect(worst.title.startsWith(worst.long)).toBe(true);
    const noLimit = usageWords(makeUsage({ limit_seconds: null }), 0.8);
    expect(noLimit.long).toBe('QPU time: 12m 30s used (no limit)');
    expect(noLimit.short.length).toBeLessThanOrEqual(32);
  });

  it('says "no limit" for a plan without one, and never warns then', () => {
    const { store, line, long } = setup();
    store.applyEvent(
      snapshotWith(
        makeUsage({
          used_seconds: 999999,
          limit_seconds: null,
          remaining_seconds: null
        })
      )
    );
    expect(long()).toBe('QPU time: 277h 46m used (no limit)');
    expect(line.classList).not.toContain('jp-mod-warning');
    expect(
      line.querySelector<HTMLElement>('.jp-QSessionPanel-usageBar')!.hidden
    ).toBe(true);
  });

  it('warns at the usageWarningFraction of the limit, and at the limit', () => {
    const { store, panel, line, long } = setup(0.8);
    store.applyEvent(
      snapshotWith(makeUsage({ used_seconds: 28799, remaining_seconds: 7201 }))
    );
    expect(line.classList).not.toContain('jp-mod-warning');

    store.applyEvent(
      usageEvent(makeUsage({ used_seconds: 28800, remaining_seconds: 7200 }))
    );
    expect(line.classList).toContain('jp-mod-warning');
    expect(long()).toBe('QPU time: 8h used of 10h (2h left)');

    panel.settings = { ...panel.settings, usageWarningFraction: 0.9 };
    expect(line.classList).not.toContain('jp-mod-warning');

    store.applyEvent(
      usageEvent(
        makeUsage({
          used_seconds: 36000,
          remaining_seconds: 0,
          limit_reached: true
        })
      )
    );
    expect(line.classList).toContain('jp-mod-reached');
    expect(long()).toBe('QPU time: 10h used of 10h (limit reached)');
  });

  it('says "usage unknown" when the service did not answer', () => {
    const { store, line, long } = setup();
    store.applyEvent(snapshotWith(null));
    expect(long()).toBe('QPU time: usage unknown');
    expect(line.classList).toContain('jp-mod-unknown');
    expect(line.title).toMatch(/did not report/);
  });

  it('notifies once, naming the account, when its usage crosses the fraction, again only after it fell back', () => {
    const store = new SessionStore();
    const warnings: string[] = [];
    const notifier = new SessionNotifier({
      store,
      notify: { info: () => undefined, warning: m => warnings.push(m) },
      usageWarningFraction: 0.8
    });
    const used = (seconds: number) =>
      store.applyEvent(
        usageEvent(
          makeUsage({
            used_seconds: seconds,
            remaining_seconds: 36000 - seconds
          })
        )
      );

    used(20000);
    used(30000);
    used(31000);
    expect(warnings).toEqual([
      'The account “emulator” has used 83% of its QPU time for the period: 8h 20m of 10h, 1h 40m left.'
    ]);
    used(10); // a new period
    used(35000);
    expect(warnings).toHaveLength(2);
    notifier.dispose();
  });
});

describe('Close idle sessions', () => {
  const idle = [
    makeSession({
      id: 'aaaaaaaa-1111',
      notebook: 'work/bell.ipynb',
      jobs: [makeJob({ status: 'DONE', finished: at(30) })]
    }),
    makeElsewhere({ id: 'bbbbbbbb-2222', backend: 'fake_kyiv', mode: 'batch' })
  ];

  let confirmed: IConfirmation[];
  let reported: string[];
  let errors: string[];

  function actions(answer: boolean): SessionActions {
    return new SessionActions({
      api: new SessionsAPI(),
      confirm: async confirmation => {
        confirmed.push(confirmation);
        return answer;
      },
      // Off: a bulk close asks all the same.
      shouldConfirm: () => false,
      reportError: message => errors.push(message),
      report: {
        info: m => reported.push(`info: ${m}`),
        warning: m => reported.push(`warning: ${m}`)
      },
      now: () => T0 + 60_000
    });
  }

  beforeEach(() => {
    confirmed = [];
    reported = [];
    errors = [];
    useTable({
      'GET sessions?idle=true': { body: { sessions: idle } },
      'POST sessions/close-idle': {
        body: {
          closed: [idle[0]],
          skipped: [{ id: 'bbbbbbbb-2222', reason: 'a job arrived' }]
        }
      }
    });
  });

  it("lists the server's idle sessions, closes those after a yes, and reports closed and skipped", async () => {
    await expect(actions(true).closeIdleSessions()).resolves.toBe(true);

    expect(confirmed).toHaveLength(1);
    const [asked] = confirmed;
    expect(asked.title).toBe('Close 2 idle sessions?');
    expect(asked.accept).toBe('Close 2 sessions');
    expect(asked.items).toEqual([
      expect.stringMatching(
        /^aaaaaaaa · fake_brisbane session · bell\.ipynb · idle since \S+/
      ),
      expect.stringMatching(
        /^bbbbbbbb · fake_kyiv batch · elsewhere · idle since /
      )
    ]);
    // Exactly the listed ids go back: a session that turned idle meanwhile stays.
    expect(mockedRequest).toHaveBeenCalledWith(
      'sessions/close-idle',
      {
        method: 'POST',
        body: JSON.stringify({
          session_ids: ['aaaaaaaa-1111', 'bbbbbbbb-2222']
        })
      },
      expect.anything()
    );
    expect(reported).toEqual([
      'warning: Closed 1 idle session: aaaaaaaa. Left open: bbbbbbbb (a job arrived).'
    ]);
  });

  it('sends nothing when the user backs out', async () => {
    await expect(actions(false).closeIdleSessions()).resolves.toBe(false);
    expect(mockedRequest).toHaveBeenCalledTimes(1);
    expect(reported).toEqual([]);
  });

  it('asks nothing when the server lists none', async () => {
    useTable({ 'GET sessions?idle=true': { body: { sessions: [] } } });
    await expect(actions(true).closeIdleSessions()).resolves.toBe(false);
    expect(confirmed).toEqual([]);
    expect(reported).toEqual([
      'info: None of your sessions is idle: each is closed or has a job queued or running.'
    ]);
  });

  it("reports the server's refusal", async () => {
    useTable({
      'GET sessions?idle=true': { body: { sessions: idle } },
      'POST sessions/close-idle': {
        status: 403,
        body: { message: 'You may not close sessions.' }
      }
    });
    await expect(actions(true).closeIdleSessions()).resolves.toBe(false);
    expect(errors).toEqual([
      'Could not close the idle sessions: You may not close sessions.'
    ]);
  });

  it('words one session and an all-closed result', () => {
    const one = closeIdleConfirmation([idle[0]], T0);
    expect(one.title).toBe('Close 1 idle session?');
    expect(one.reject).not.toBe('Cancel');
    expect(closeIdleReport({ closed: idle, skipped: [] })).toEqual({
      message: 'Closed 2 idle sessions: aaaaaaaa, bbbbbbbb.',
      skipped: false
    });
  });

  it('the header button follows the server: enabled with a count, disabled when none, hidden without write', async () => {
    const store = new SessionStore();
    store.info = makeInfo();
    const closeIdle = jest.fn(async () => true);
    const panel = new SessionsPanel({ store, closeIdleSessions: closeIdle });
    const watch = new IdleWatch(new SessionsAPI(), store);
    const button = panel.node.querySelector<HTMLButtonElement>(
      'button[aria-label="Close idle sessions"]'
    )!;
    store.connection = 'connected';

    store.applySnapshot(idle);
    await settle();
    expect(store.idleSessions).toEqual(['aaaaaaaa-1111', 'bbbbbbbb-2222']);
    expect(button.hidden).toBe(false);
    expect(button.disabled).toBe(false);
    expect(button.textContent).toContain('(2)');
    button.click();
    expect(closeIdle).toHaveBeenCalledTimes(1);
    await settle();

    useTable({ 'GET sessions?idle=true': { body: { sessions: [] } } });
    store.applySession(makeSession({ id: 'aaaaaaaa-1111', state: 'closed' }));
    await settle();
    expect(button.disabled).toBe(true);
    expect(button.title).toMatch(/^None of your sessions is idle/);

    store.info = makeInfo({ can_write: false });
    expect(button.hidden).toBe(true);
    watch.dispose();
    panel.dispose();
  });

  it('asks the server at most once more for a burst of changes', async () => {
    const store = new SessionStore();
    store.info = makeInfo();
    store.connection = 'connected';
    const watch = new IdleWatch(new SessionsAPI(), store);
    store.applySnapshot([makeSession({ id: 'a' })]);
    for (let i = 0; i < 5; i++) {
      store.applySession(makeSession({ id: 'a', usage_seconds: i }));
    }
    await settle();
    expect(mockedRequest).toHaveBeenCalledTimes(2);
    watch.dispose();
  });
});
