import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';

import { ICommandPalette } from '@jupyterlab/apputils';

import { ISettingRegistry } from '@jupyterlab/settingregistry';

import { SessionActions } from './actions';

import { API_VERSION, errorMessage, ISessionsAPI, SessionsAPI } from './api';

import { Ticker } from './countdown';

import { eventsUrl, SessionEventStream } from './events';

import { trackKernelNames } from './kernelNames';

import { SessionStore } from './store';

import { SessionNotifier } from './notifier';

import { SessionsPanel } from './panel';

import { DEFAULT_SETTINGS, IQSessionSettings, readSettings } from './settings';

/**
 * The command ids of this extension.
 */
export namespace CommandIDs {
  export const open = 'qsession:open';
}

const PLUGIN_ID = 'jupyter-qsession:plugin';

/**
 * Ask the server who the user is and what they may do, and check that it
 * speaks the API this frontend was built for and that its session registry
 * can be used; what goes wrong is shown in the panel (`store.problem`)
 * rather than only in the console.
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
 * The jupyter-qsession plugin: the Qiskit Runtime sessions sidebar.
 */
const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'Make IBM Qiskit Runtime sessions visible in JupyterLab.',
  autoStart: true,
  optional: [ICommandPalette, ILayoutRestorer, ISettingRegistry],
  activate: (
    app: JupyterFrontEnd,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    settingRegistry: ISettingRegistry | null
  ) => {
    let settings: IQSessionSettings = { ...DEFAULT_SETTINGS };
    const serverSettings = app.serviceManager.serverSettings;
    const api = new SessionsAPI(serverSettings);
    const store = new SessionStore();
    const ticker = new Ticker();
    const stream = new SessionEventStream({ url: eventsUrl(serverSettings) });
    const actions = new SessionActions({
      api,
      shouldConfirm: () => settings.confirmActions
    });
    const panel = new SessionsPanel({
      store,
      actions,
      retryAt: () => stream.retryAt,
      settings
    });
    const notifier = new SessionNotifier({
      store,
      ticker,
      warningThreshold: settings.warningThreshold
    });

    stream.received.connect((_, event) => store.applyEvent(event));
    stream.statusChanged.connect((_, status) => {
      store.connection = status;
      if (status === 'connected' && stream.attempts > 0) {
        // Once per reconnection, not a poll: the server may have restarted.
        void loadServerInfo(api, store);
      }
    });
    ticker.ticked.connect(() => panel.tick());
    trackKernelNames(app.serviceManager.sessions, store);

    const applySettings = (next: IQSessionSettings) => {
      settings = next;
      notifier.warningThreshold = next.warningThreshold;
      panel.settings = {
        showEndedSessions: next.showEndedSessions,
        warningThreshold: next.warningThreshold
      };
    };
    if (settingRegistry) {
      settingRegistry
        .load(PLUGIN_ID)
        .then(loaded => {
          applySettings(readSettings(loaded));
          loaded.changed.connect(() => applySettings(readSettings(loaded)));
        })
        .catch(reason => {
          console.error(
            'Failed to load settings for jupyter-qsession.',
            reason
          );
        });
    }

    app.shell.add(panel, 'left', { rank: 1000 });
    if (restorer) {
      restorer.add(panel, panel.id);
    }

    app.commands.addCommand(CommandIDs.open, {
      label: 'Show Qiskit Runtime Sessions',
      caption: 'Open the Qiskit Runtime sessions sidebar',
      icon: args => (args['isPalette'] ? undefined : panel.title.icon),
      describedBy: { args: { type: 'object', properties: {} } },
      execute: () => {
        app.shell.activateById(panel.id);
      }
    });
    if (palette) {
      palette.addItem({ command: CommandIDs.open, category: 'Qiskit' });
    }

    void loadServerInfo(api, store);
    stream.connect();
    ticker.start();
  }
};

export default plugin;
