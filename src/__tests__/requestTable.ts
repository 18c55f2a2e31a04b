import { ServerConnection } from '@jupyterlab/services';

/**
 * A mocked request table for `requestAPI` (after jupyterlab-git's
 * `mockedRequestAPI`): keys are 'METHOD endpoint', values the answer. An
 * endpoint missing from the table rejects, so a test fails on any request
 * it did not expect; no test touches the network.
 *
 * Use with `jest.mock('../request')` and
 * `mocked.mockImplementation(mockedRequestAPI(table))`.
 */
export interface IMockedResponse {
  /** HTTP status; 200 by default. Error statuses reject like requestAPI does. */
  status?: number;
  /** The JSON body; for errors, `{ message }`. */
  body?: unknown;
}

export type RequestTable = Record<string, IMockedResponse>;

export function mockedRequestAPI(table: RequestTable) {
  return async (endPoint = '', init: RequestInit = {}): Promise<any> => {
    const key = `${init.method ?? 'GET'} ${endPoint}`;
    const answer = table[key];
    if (!answer) {
      throw new Error(`No mocked response for ${key}`);
    }
    const status = answer.status ?? 200;
    if (status >= 400) {
      const body = answer.body as { message?: string } | undefined;
      throw new ServerConnection.ResponseError(
        { ok: false, status } as Response,
        body?.message ?? `HTTP ${status}`
      );
    }
    return answer.body;
  };
}
