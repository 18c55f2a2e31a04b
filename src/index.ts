import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';

import { ICommandPalette } from '@jupyterlab/apputils';

import { SessionsPanel } from './panel';

/**
 * The command ids of this extension.
 */
export namespace CommandIDs {
  export const open = 'qsession:open';
}

/**
 * The jupyter-qsession plugin: the Qiskit Runtime sessions sidebar.
 */
const plugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-qsession:plugin',
  description: 'Make IBM Qiskit Runtime sessions visible in JupyterLab.',
  autoStart: true,
  optional: [ICommandPalette, ILayoutRestorer],
  activate: (
    app: JupyterFrontEnd,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null
  ) => {
    const panel = new SessionsPanel();
    app.shell.add(panel, 'left', { rank: 1000 });
    if (restorer) {
      restorer.add(panel, panel.id);
    }

    app.commands.addCommand(CommandIDs.open, {
      label: 'Show Qiskit Runtime Sessions',
      caption: 'Open the Qiskit Runtime sessions sidebar',
      execute: () => {
        app.shell.activateById(panel.id);
      }
    });
    if (palette) {
      palette.addItem({ command: CommandIDs.open, category: 'Qiskit' });
    }
  }
};

export default plugin;
