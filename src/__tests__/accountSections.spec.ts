import { accountHint } from '../accounts';

import { SessionEventStream } from '../events';

import type { AccountModel, SessionEvent, SessionModel } from '../models';

import { SessionNotifier } from '../notifier';

import { SessionsPanel } from '../panel';

import { SessionStore } from '../store';

import { FakeSocket } from './fakeSocket';

import {
  at,
  makeAccount,
  makeElsewhere,
  makeInfo,
  makeSession,
  makeUsage,
  refOf,
  T0
} from './fixtures';

/** The lab's emulator, a second emulator saved as an account, an IBM instance the lab cannot reach. */
const EMULATOR = makeAccount({ usage: makeUsage({ used_seconds: 750 }) });
const SECOND = makeAccount({
  name: 'second-emulator',
  channel: 'ibm_quantum_platform',
  instance:
    'crn:v1:bluemix:public:quantum-computing:us-east:a/0123:9f8e7d6c5b4a::',
  instance_hint: '9f8e7d6c…', // the server's short_instance (tests/test_server_accounts.py)
  source: 'saved',
  usage: makeUsage({
    used_seconds: 60,
    limit_seconds: 600,
    remaining_seconds: 540
  })
});
const IBM = makeAccount({
  name: 'ibm-open',
  channel: 'ibm_quantum_platform',
  instance: 'open-instance',
  provider: 'ibm',
  source: 'saved',
  state: 'unreachable',
  problem: 'Connection refused',
  last_try: at(30),
  next_try: at(90),
  backends: [],
  usage: null
});

function snapshot(
  accounts: AccountModel[],
  sessions: SessionModel[] = []
): SessionEvent {
  return { type: 'snapshot', sessions, accounts };
}

function onAccount(account: AccountModel, id: string, more = {}) {
  return makeSession({ id, account: refOf(account), ...more });
}

/** What the list shows, top to bottom: each account's name and state, and its sessions' ids. */
function layout(panel: SessionsPanel) {
  const sections: { account: string; state: string; sessions: string[] }[] = [];
  const items = panel.node.querySelectorAll<HTMLElement>(
    '.jp-QSession-groups > li:not(.jp-QSession-spacer)'
  );
  for (const item of Array.from(items)) {
    if (item.classList.contains('jp-QSession-account')) {
      sections.push({
        account: item.dataset.account!,
        state: item.querySelector('.jp-QSession-accountState')!.textContent!,
        sessions: []
      });
      continue;
    }
    const ids = Array.from(
      item.querySelectorAll<HTMLElement>('.jp-QSession-session'),
      row => row.dataset.sessionId!
    );
    sections[sections.length - 1].sessions.push(...ids);
  }
  return sections;
}

function header(panel: SessionsPanel, name: string): HTMLElement {
  return panel.node.querySelector<HTMLElement>(
    `.jp-QSession-account[data-account="${name}"]`
  )!;
}

function makePanel() {
  const store = new SessionStore();
  store.info = makeInfo();
  const panel = new SessionsPanel({ store, now: () => T0 });
  return { store, panel };
}

describe('the store keeps the accounts', () => {
  it('takes them from the snapshot, the lab emulator first and then by name, whatever order they came in', () => {
    const store = new SessionStore();
    store.applyEvent(snapshot([IBM, SECOND, EMULATOR]));
    expect(store.accounts().map(a => a.name)).toEqual([
      'emulator',
      'ibm-open',
      'second-emulator'
    ]);
  });

  it('applies an account event whole, adds a new account, and drops a gone_account', () => {
    const store = new SessionStore();
    const changed: (string | null)[] = [];
    const renders: unknown[] = [];
    store.accountsChanged.connect((_, name) => changed.push(name));
    store.applyEvent(snapshot([EMULATOR, SECOND]));
    store.changed.connect((_, change) => renders.push(change));

    store.applyEvent({
      type: 'account',
      account: { ...SECOND, state: 'unreachable', problem: 'timed out' }
    });
    expect(store.account('second-emulator')!.problem).toBe('timed out');

    store.applyEvent({ type: 'account', account: IBM });
    expect(store.accounts().map(a => a.name)).toEqual([
      'emulator',
      'ibm-open',
      'second-emulator'
    ]);

    store.applyEvent({ type: 'account', gone_account: 'second-emulator' });
    expect(store.account('second-emulator')).toBeUndefined();
    // An account it does not know is gone already: no news.
    store.applyEvent({ type: 'account', gone_account: 'never-served' });

    expect(changed).toEqual([
      null,
      'second-emulator',
      'ibm-open',
      'second-emulator'
    ]);
    expect(renders).toEqual([]); // accounts do not re-render the session list
  });

  it('passes account events through the stream', () => {
    const socket = new FakeSocket();
    const stream = new SessionEventStream({
      url: 'ws://x',
      socketFactory: () => socket
    });
    const store = new SessionStore();
    stream.received.connect((_, event) => store.applyEvent(event));
    stream.connect();
    socket.open();
    socket.send(snapshot([EMULATOR]));
    socket.send({ type: 'account', account: IBM });
    expect(store.accounts().map(a => a.name)).toEqual(['emulator', 'ibm-open']);
    stream.dispose();
  });

  it('gives every served account a section, sessions under their own, and keeps one no longer served while it has sessions', () => {
    const store = new SessionStore();
    const gone = { name: 'old', channel: 'ibm_cloud', instance: null };
    store.applyEvent(
      snapshot(
        [EMULATOR, SECOND, IBM],
        [
          onAccount(SECOND, 's2'),
          onAccount(EMULATOR, 'e1'),
          makeSession({ id: 'o1', account: gone })
        ]
      )
    );
    const sections = store.sections();
    expect(sections.map(s => [s.name, s.account?.state ?? null])).toEqual([
      ['emulator', 'reachable'],
      ['ibm-open', 'unreachable'],
      ['old', null],
      ['second-emulator', 'reachable']
    ]);
    const ids = (name: string) =>
      sections
        .find(s => s.name === name)!
        .groups.map(g => g.sessions.map(s => s.id).join(' '))
        .join(' ')
        .split(' ')
        .filter(id => id !== '');
    expect(ids('emulator')).toEqual(['e1']);
    expect(ids('ibm-open')).toEqual([]);
    expect(ids('second-emulator')).toEqual(['s2']);
    // Ended sessions hidden: the stray account has nothing left to show.
    store.applySession({
      ...makeSession({ id: 'o1', account: gone }),
      state: 'closed'
    });
    expect(store.sections({ showEnded: false }).map(s => s.name)).toEqual([
      'emulator',
      'ibm-open',
      'second-emulator'
    ]);
  });
});

describe('the sidebar with three accounts', () => {
  it('renders a section per account, each session under its account, grouped by notebook within it', () => {
    const { store, panel } = makePanel();
    store.applyEvent(
      snapshot(
        [EMULATOR, SECOND, IBM],
        [
          onAccount(SECOND, 's2', { kernel_id: 'kernel-b' }),
          onAccount(EMULATOR, 'e1', { kernel_id: 'kernel-a' }),
          makeElsewhere({ id: 'e-else', account: refOf(EMULATOR) }),
          makeElsewhere({ id: 's-else', account: refOf(SECOND) })
        ]
      )
    );

    expect(layout(panel)).toEqual([
      { account: 'emulator', state: 'reachable', sessions: ['e1', 'e-else'] },
      { account: 'ibm-open', state: 'unreachable', sessions: [] },
      {
        account: 'second-emulator',
        state: 'reachable',
        sessions: ['s2', 's-else']
      }
    ]);
    // The notebook grouping stays inside each account: both have their elsewhere group.
    expect(
      panel.node.querySelectorAll('.jp-QSession-group[data-origin="elsewhere"]')
    ).toHaveLength(2);
    panel.dispose();
  });

  it("shows each account's usage in its own header, and none in the panel's", () => {
    const { store, panel } = makePanel();
    store.applyEvent(snapshot([EMULATOR, SECOND, IBM]));

    const usage = (name: string) =>
      header(panel, name).querySelector<HTMLElement>(
        '.jp-QSessionPanel-usage'
      )!;
    const long = (name: string) =>
      usage(name).querySelector('.jp-QSessionPanel-usageLong')!.textContent;
    expect(long('emulator')).toBe(
      'QPU time: 12m 30s used of 10h (9h 47m left)'
    );
    expect(long('second-emulator')).toBe('QPU time: 1m used of 10m (9m left)');
    // Unreachable: no usage to show, the state says why.
    expect(usage('ibm-open').hidden).toBe(true);
    expect(
      panel.node.querySelector<HTMLElement>(
        '.jp-QSessionPanel-account > .jp-QSessionPanel-usage'
      )!.hidden
    ).toBe(true);
    // Close idle stays in the panel's header.
    expect(
      panel.node.querySelector(
        '.jp-QSessionPanel-account button[aria-label="Close idle sessions"]'
      )
    ).not.toBeNull();
    panel.dispose();
  });

  it('says an unreachable account is unreachable, why, and when the lab last tried', () => {
    const { store, panel } = makePanel();
    store.applyEvent(snapshot([EMULATOR, SECOND, IBM]));
    const ibm = header(panel, 'ibm-open');
    const detail = ibm.querySelector<HTMLElement>(
      '.jp-QSession-accountDetail'
    )!;

    expect(ibm.dataset.state).toBe('unreachable');
    expect(detail.hidden).toBe(false);
    expect(detail.textContent).toMatch(
      /^Tried \d\d:\d\d:\d\d: Connection refused$/
    );
    expect(detail.title).toMatch(/Last try: .*\nNext try: /);
    expect(ibm.querySelector('.jp-QSession-accountEmpty')!.textContent).toBe(
      'No sessions'
    );
    // A reachable one has no such line.
    expect(
      header(panel, 'emulator').querySelector<HTMLElement>(
        '.jp-QSession-accountDetail'
      )!.hidden
    ).toBe(true);
    panel.dispose();
  });

  it('names the channel and a short instance, the full CRN in the tooltip', () => {
    const { store, panel } = makePanel();
    store.applyEvent(snapshot([EMULATOR, SECOND, IBM]));
    const hint = header(panel, 'second-emulator').querySelector<HTMLElement>(
      '.jp-QSession-accountHint'
    )!;
    expect(hint.textContent).toBe('ibm_quantum_platform · 9f8e7d6c…');
    expect(hint.title).toContain(`Instance: ${SECOND.instance}`);
    expect(accountHint(EMULATOR)).toBe('local');
    // A session's account reference (no hint): the instance whole.
    expect(
      accountHint({
        name: 'x',
        channel: 'ibm_cloud',
        instance: 'hub/group/project'
      })
    ).toBe('ibm_cloud · hub/group/project');
    panel.dispose();
  });

  it('updates an account header in place when the account changes, leaving the rows alone', () => {
    const { store, panel } = makePanel();
    store.applyEvent(
      snapshot([EMULATOR, SECOND, IBM], [onAccount(SECOND, 's2')])
    );
    const row = panel.node.querySelector('[data-session-id="s2"]');

    store.applyEvent({
      type: 'account',
      account: { ...IBM, state: 'reachable', problem: null, usage: makeUsage() }
    });

    expect(layout(panel)[1]).toEqual({
      account: 'ibm-open',
      state: 'reachable',
      sessions: []
    });
    expect(panel.node.querySelector('[data-session-id="s2"]')).toBe(row);
    panel.dispose();
  });

  it('moves to the one-account look when the other accounts go, and back when one comes', () => {
    const { store, panel } = makePanel();
    store.applyEvent(snapshot([EMULATOR, SECOND], [onAccount(EMULATOR, 'e1')]));
    expect(layout(panel).map(s => s.account)).toEqual([
      'emulator',
      'second-emulator'
    ]);

    store.applyEvent({ type: 'account', gone_account: 'second-emulator' });
    expect(panel.node.querySelector('.jp-QSession-account')).toBeNull();
    expect(panel.node.querySelector('[data-session-id="e1"]')).not.toBeNull();

    store.applyEvent({ type: 'account', account: IBM });
    expect(layout(panel).map(s => s.account)).toEqual(['emulator', 'ibm-open']);
    panel.dispose();
  });
});

describe('the sidebar with one account', () => {
  it('keeps the usual look: no account header, the usage in the panel header', () => {
    const { store, panel } = makePanel();
    store.applyEvent(snapshot([EMULATOR], [onAccount(EMULATOR, 'e1')]));

    expect(panel.node.querySelector('.jp-QSession-account')).toBeNull();
    const usage = panel.node.querySelector<HTMLElement>(
      '.jp-QSessionPanel-account > .jp-QSessionPanel-usage'
    )!;
    expect(usage.hidden).toBe(false);
    expect(
      usage.querySelector('.jp-QSessionPanel-usageLong')!.textContent
    ).toBe('QPU time: 12m 30s used of 10h (9h 47m left)');
    expect(
      panel.node
        .querySelector('.jp-QSession-groups')!
        .getAttribute('aria-label')
    ).toBe('Sessions by notebook');
    expect(
      panel.node.querySelector<HTMLElement>('.jp-QSessionPanel-accountState')!
        .hidden
    ).toBe(true);
    panel.dispose();
  });

  it('says in the panel header when its one account is unreachable, and why', () => {
    const { store, panel } = makePanel();
    store.applyEvent(snapshot([IBM]));
    const state = panel.node.querySelector<HTMLElement>(
      '.jp-QSessionPanel-accountState'
    )!;
    expect(state.hidden).toBe(false);
    expect(state.textContent).toMatch(
      /^ibm-open is unreachable\. Tried \d\d:\d\d:\d\d: Connection refused$/
    );
    expect(
      panel.node.querySelector<HTMLElement>(
        '.jp-QSessionPanel-account > .jp-QSessionPanel-usage'
      )!.hidden
    ).toBe(true);
    panel.dispose();
  });
});

describe('usage warnings per account', () => {
  it('warns once per account, naming it, when its usage crosses the fraction', () => {
    const store = new SessionStore();
    const warnings: string[] = [];
    const notifier = new SessionNotifier({
      store,
      notify: { info: () => undefined, warning: m => warnings.push(m) },
      usageWarningFraction: 0.8
    });
    const spent = (account: AccountModel, used: number, limit: number) => ({
      ...account,
      usage: makeUsage({
        used_seconds: used,
        limit_seconds: limit,
        remaining_seconds: limit - used
      })
    });
    store.applyEvent(
      snapshot([spent(EMULATOR, 100, 1000), spent(SECOND, 500, 600), IBM])
    );
    expect(warnings).toEqual([
      expect.stringMatching(/^The account “second-emulator” has used 83%/)
    ]);

    store.applyEvent({ type: 'account', account: spent(SECOND, 550, 600) });
    store.applyEvent({ type: 'account', account: spent(EMULATOR, 900, 1000) });
    store.applyEvent({ type: 'account', account: spent(EMULATOR, 950, 1000) });
    expect(warnings).toEqual([
      expect.stringMatching(/^The account “second-emulator” has used 83%/),
      expect.stringMatching(/^The account “emulator” has used 90%/)
    ]);
    notifier.dispose();
  });
});
