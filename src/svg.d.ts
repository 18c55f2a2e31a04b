// SVG files are bundled as strings by the JupyterLab builder (webpack asset/source).
declare module '*.svg' {
  const value: string;
  export default value;
}
