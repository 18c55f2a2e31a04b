import { ServerConnection } from '@jupyterlab/services';

import { requestAPI } from '../request';

describe('requestAPI', () => {
  const settings = ServerConnection.makeSettings({
    baseUrl: 'http://localhost:8888/user/alice/'
  });

  function answerWith(status: number, body: string): jest.SpyInstance {
    return jest.spyOn(ServerConnection, 'makeRequest').mockResolvedValue({
      ok: status < 400,
      status,
      text: async () => body
    } as Response);
  }

  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('sends the request under the base URL and the qsession/api namespace', async () => {
    const makeRequest = answerWith(200, '{"sessions": []}');

    const data = await requestAPI<{ sessions: unknown[] }>(
      'sessions',
      { method: 'GET' },
      settings
    );

    expect(makeRequest).toHaveBeenCalledWith(
      'http://localhost:8888/user/alice/qsession/api/sessions',
      { method: 'GET' },
      settings
    );
    expect(data).toEqual({ sessions: [] });
  });

  it('rejects with the server message when the status is an error', async () => {
    answerWith(404, '{"message": "session abc not found"}');

    await expect(requestAPI('sessions/abc', {}, settings)).rejects.toThrow(
      'session abc not found'
    );
  });
});
