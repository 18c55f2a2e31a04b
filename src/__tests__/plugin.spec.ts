import type { ISessionsAPI } from '../api';

import plugin, { CommandIDs, loadServerInfo } from '../index';

import { API_VERSION } from '../models';
import { SessionStore } from '../store';

import { makeInfo } from './fixtures';

function apiAnswering(info: () => Promise<any>): ISessionsAPI {
  return { info } as unknown as ISessionsAPI;
}

describe('the plugin', () => {
  it('keeps its id and command', () => {
    expect(plugin.id).toBe('jupyter-qsession:plugin');
    expect(CommandIDs.open).toBe('qsession:open');
  });
});

describe('loadServerInfo', () => {
  it('stores what the user may do when the API versions match', async () => {
    const store = new SessionStore();
    await loadServerInfo(
      apiAnswering(async () => makeInfo()),
      store
    );

    expect(store.info).toEqual(makeInfo());
    expect(store.problem).toBeNull();
  });

  it('says so when the server speaks another API version', async () => {
    const store = new SessionStore();
    await loadServerInfo(
      apiAnswering(async () =>
        makeInfo({ api_version: '1', version: '0.9.0' })
      ),
      store
    );

    expect(store.problem).toMatch(
      new RegExp(`API version 1; this sidebar speaks ${API_VERSION}\\.`)
    );
  });

  it("shows why the server's session registry cannot be used", async () => {
    const store = new SessionStore();
    const why =
      'The session registry at /data/sessions.sqlite is empty (0 bytes): …';
    await loadServerInfo(
      apiAnswering(async () => makeInfo({ registry_error: why })),
      store
    );

    expect(store.problem).toBe(why);
    await loadServerInfo(
      apiAnswering(async () => makeInfo()),
      store
    );
    expect(store.problem).toBeNull(); // the server was fixed and restarted
  });

  it('says so when the server extension does not answer', async () => {
    const store = new SessionStore();
    await loadServerInfo(
      apiAnswering(async () => {
        throw new Error('Not Found');
      }),
      store
    );

    expect(store.info).toBeNull();
    expect(store.problem).toMatch(/did not answer \(Not Found\)/);
  });
});
