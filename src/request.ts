import { URLExt } from '@jupyterlab/coreutils';

import { ServerConnection } from '@jupyterlab/services';

/**
 * The URL namespace of the jupyter_qsession server extension's REST API.
 */
export const API_NAMESPACE = 'qsession/api';

/**
 * Call the jupyter_qsession server extension.
 *
 * @param endPoint API REST end point, relative to `qsession/api`
 * @param init Initial values for the request
 * @param settings The server settings; defaults to the current page's server
 * @returns The response body interpreted as JSON (or as text if it is not JSON)
 * @throws ServerConnection.NetworkError when the server cannot be reached
 * @throws ServerConnection.ResponseError when the server answers with an error
 *   status; its message is the `message` field of the JSON body when present
 */
export async function requestAPI<T>(
  endPoint = '',
  init: RequestInit = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<T> {
  const requestUrl = URLExt.join(settings.baseUrl, API_NAMESPACE, endPoint);

  let response: Response;
  try {
    response = await ServerConnection.makeRequest(requestUrl, init, settings);
  } catch (error) {
    throw new ServerConnection.NetworkError(error as any);
  }

  let data: any = await response.text();
  if (data.length > 0) {
    try {
      data = JSON.parse(data);
    } catch {
      console.warn('Not a JSON response body.', response);
    }
  }

  if (!response.ok) {
    throw new ServerConnection.ResponseError(response, data.message || data);
  }

  return data;
}
