import { kernelNames } from '../kernelNames';

import { DEFAULT_SETTINGS, readSettings } from '../settings';

import schema from '../../schema/plugin.json';

describe('readSettings', () => {
  it('has the defaults of schema/plugin.json', () => {
    const defaults: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(schema.properties)) {
      defaults[key] = value.default;
    }
    expect(DEFAULT_SETTINGS).toEqual(defaults);
    expect(readSettings(null)).toEqual(DEFAULT_SETTINGS);
  });

  it('reads the user values and ignores ill-typed ones', () => {
    expect(
      readSettings({
        composite: {
          confirmActions: false,
          warningThreshold: 300,
          showEndedSessions: 'no'
        }
      })
    ).toEqual({
      confirmActions: false,
      warningThreshold: 300,
      showEndedSessions: true
    });
    expect(
      readSettings({ composite: { warningThreshold: -1 } }).warningThreshold
    ).toBe(60);
  });
});

describe('kernelNames', () => {
  it("maps each running notebook's kernel id to the notebook's file name", () => {
    const names = kernelNames([
      {
        id: 's1',
        name: 'bell.ipynb',
        path: 'work/bell.ipynb',
        type: 'notebook',
        kernel: { id: 'k1', name: 'python3' }
      },
      {
        id: 's2',
        name: 'nokernel',
        path: 'x.ipynb',
        type: 'notebook',
        kernel: null
      }
    ]);

    expect(Array.from(names.entries())).toEqual([
      ['k1', { name: 'bell.ipynb', path: 'work/bell.ipynb' }]
    ]);
  });
});
