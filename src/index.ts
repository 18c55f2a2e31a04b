import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';

import { ICommandPalette } from '@jupyterlab/apputils';

import { IRenderMimeRegistry } from '@jupyterlab/rendermime';

import { ISettingRegistry } from '@jupyterlab/settingregistry';

import { DisposableDelegate } from '@lumino/disposable';

import { cellStatusFactory } from './cellStatus';

import { readSettings } from './settings';

import { QSessionSidebar } from './sidebar';

export { loadServerInfo } from './sidebar';

/**
 * The command ids of this extension.
 */
export namespace CommandIDs {
  export const open = 'qsession:open';
}

const PLUGIN_ID = 'jupyter-qsession:plugin';

/** The sidebar of the active plugin, for `deactivate`. */
let active: QSessionSidebar | null = null;

/**
 * Follow the user's settings; the listener goes with the sidebar.
 */
function followSettings(
  registry: ISettingRegistry,
  sidebar: QSessionSidebar
): void {
  registry
    .load(PLUGIN_ID)
    .then(loaded => {
      const apply = () => {
        sidebar.settings = readSettings(loaded);
      };
      apply();
      loaded.changed.connect(apply);
      sidebar.own(
        new DisposableDelegate(() => loaded.changed.disconnect(apply))
      );
    })
    .catch(reason => {
      console.error('Failed to load settings for jupyter-qsession.', reason);
    });
}

/**
 * The jupyter-qsession plugin: the Qiskit Runtime sessions sidebar.
 */
const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'Make IBM Qiskit Runtime sessions visible in JupyterLab.',
  autoStart: true,
  optional: [
    ICommandPalette,
    ILayoutRestorer,
    ISettingRegistry,
    IRenderMimeRegistry
  ],
  activate: (
    app: JupyterFrontEnd,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    settingRegistry: ISettingRegistry | null,
    rendermime: IRenderMimeRegistry | null
  ) => {
    const sidebar = new QSessionSidebar({
      serverSettings: app.serviceManager.serverSettings,
      sessions: app.serviceManager.sessions
    });
    active = sidebar;
    const { panel } = sidebar;
    if (settingRegistry) {
      followSettings(settingRegistry, sidebar);
    }

    app.shell.add(panel, 'left', { rank: 1000 });
    if (rendermime) {
      // `%%qsession` cells' statuses, live from the sidebar's store. Notebooks
      // copy the app's registry when they open, after plugins activated.
      const { store, ticker, actions } = sidebar;
      rendermime.addFactory(cellStatusFactory({ store, ticker, actions }));
    }
    if (restorer) {
      restorer.add(panel, panel.id);
    }

    sidebar.own(
      app.commands.addCommand(CommandIDs.open, {
        label: 'Show Qiskit Runtime Sessions',
        caption: 'Open the Qiskit Runtime sessions sidebar',
        icon: args => (args['isPalette'] ? undefined : panel.title.icon),
        describedBy: { args: { type: 'object', properties: {} } },
        execute: () => {
          app.shell.activateById(panel.id);
        }
      })
    );
    if (palette) {
      sidebar.own(
        palette.addItem({ command: CommandIDs.open, category: 'Qiskit' })
      );
    }

    sidebar.start();
  },
  deactivate: () => {
    active?.dispose();
    active = null;
  }
};

export default plugin;
