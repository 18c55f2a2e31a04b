import { PathExt } from '@jupyterlab/coreutils';

import type { Session } from '@jupyterlab/services';

import { IDisposable } from '@lumino/disposable';

import type { SessionModel } from './models';

import type { IKernelName, SessionStore } from './store';

/**
 * The kernel id -> notebook map from Jupyter's running sessions (not Qiskit
 * sessions): a kernel opened by a notebook is named after the notebook file.
 */
export function kernelNames(
  running: Iterable<Session.IModel>
): Map<string, IKernelName> {
  const names = new Map<string, IKernelName>();
  for (const model of running) {
    if (!model.kernel) {
      continue;
    }
    const path = model.path || model.name;
    names.set(model.kernel.id, {
      name: PathExt.basename(path) || model.name || path,
      path
    });
  }
  return names;
}

/**
 * Keep `store`'s kernel names in step with Jupyter's running sessions.
 */
export function trackKernelNames(
  sessions: Session.IManager,
  store: SessionStore
): IDisposable {
  const update = () => store.setKernelNames(kernelNames(sessions.running()));
  sessions.runningChanged.connect(update);
  update();
  let disposed = false;
  return {
    get isDisposed() {
      return disposed;
    },
    dispose() {
      if (!disposed) {
        disposed = true;
        sessions.runningChanged.disconnect(update);
      }
    }
  };
}

/**
 * The notebook the server recorded when the first of `sessions` (one
 * kernel's) registered: it names the group after the kernel ended and
 * across server restarts, where Jupyter's running sessions no longer know
 * the kernel. Null when no session has one (a kernel no notebook opened).
 */
export function recordedName(
  sessions: ReadonlyArray<SessionModel>
): IKernelName | null {
  const path = sessions.find(session => session.notebook)?.notebook;
  return path ? { name: PathExt.basename(path) || path, path } : null;
}
