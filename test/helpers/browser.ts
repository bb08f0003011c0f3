import { execFileSync, spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';

/** Debian's chromium, when installed (scripts/install-browser.sh). */
export const CHROMIUM = ((): string | null => {
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    try {
      execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'pipe' });
      return name;
    } catch {
      // next
    }
  }
  return null;
})();

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--enable-logging=stderr', '--v=0', '--virtual-time-budget=10000'];

/** Loads a page (with an optional #fragment) in headless chromium: the DOM after load, and what the page wrote to its console. */
export function loadPage(file: string, hash = ''): { dom: string; console: string[] } {
  const r = spawnSync(CHROMIUM!, [...FLAGS, '--dump-dom', pathToFileURL(file).href + hash], { encoding: 'utf8', timeout: 60_000 });
  const console = r.stderr.split('\n').filter((l) => l.includes(':CONSOLE'));
  return { dom: r.stdout, console };
}

/** A PNG screenshot of the page (width × height CSS pixels). */
export function screenshot(file: string, png: string, width = 1200, height = 1500): void {
  spawnSync(CHROMIUM!, [...FLAGS, `--screenshot=${png}`, `--window-size=${width},${height}`, pathToFileURL(file).href], { encoding: 'utf8', timeout: 60_000 });
}
