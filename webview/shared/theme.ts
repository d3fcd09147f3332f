// Colours for the canvas charts, read from VS Code's theme variables (a canvas cannot use CSS
// variables directly), and a hook to redraw when the theme changes (VS Code swaps the body's class).

export interface ChartTheme {
  series: string[];
  foreground: string;
  grid: string;
  font: string;
}

const SERIES_VARS = [
  '--vscode-charts-blue',
  '--vscode-charts-orange',
  '--vscode-charts-green',
  '--vscode-charts-purple',
  '--vscode-charts-red',
  '--vscode-charts-yellow',
];

export function readChartTheme(): ChartTheme {
  const css = getComputedStyle(document.body);
  const v = (name: string) => css.getPropertyValue(name).trim();
  const foreground = v('--vscode-charts-foreground') || v('--vscode-foreground');
  return {
    series: SERIES_VARS.map((name) => v(name) || foreground),
    foreground,
    grid: v('--vscode-charts-lines') || v('--vscode-widget-border') || foreground,
    font: `${v('--vscode-font-size') || '12px'} ${v('--vscode-font-family') || 'sans-serif'}`,
  };
}

/**
 * Calls `onChange` after the theme changes: VS Code swaps the body's class between light, dark and
 * high-contrast, and rewrites the colour variables in the root element's style for any theme switch.
 */
export function onThemeChange(onChange: () => void): void {
  let pending = 0;
  const schedule = () => {
    if (!pending)
      pending = requestAnimationFrame(() => {
        pending = 0;
        onChange();
      });
  };
  const observer = new MutationObserver(schedule);
  observer.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });
}
