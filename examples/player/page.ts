import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';

export type MediaKind = 'audio' | 'video';

export interface MediaFile {
  readonly name: string;
  readonly size: number;
  readonly kind: MediaKind;
}

const KINDS: Readonly<Record<string, MediaKind>> = {
  '.wav': 'audio', '.mp3': 'audio', '.m4a': 'audio', '.aac': 'audio', '.oga': 'audio', '.ogg': 'audio',
  '.opus': 'audio', '.flac': 'audio', '.weba': 'audio',
  '.mp4': 'video', '.m4v': 'video', '.webm': 'video', '.ogv': 'video', '.mov': 'video', '.mkv': 'video',
};

/** The playable files at the top of `mediaDir`, by name (dotfiles and unknown extensions left out). */
export async function listMedia(mediaDir: string): Promise<MediaFile[]> {
  const entries = await readdir(mediaDir, { withFileTypes: true });
  const files: MediaFile[] = [];
  for (const entry of entries) {
    const kind = KINDS[extname(entry.name).toLowerCase()];
    if (!entry.isFile() || entry.name.startsWith('.') || kind === undefined) continue;
    const { size } = await stat(join(mediaDir, entry.name));
    files.push({ name: entry.name, size, kind });
  }
  return files.sort((a, b) => a.name.localeCompare(b.name));
}

export interface PageInput {
  readonly files: readonly MediaFile[];
  /** The file to play, if any. */
  readonly selected: MediaFile | undefined;
  /** A `?file=` that names no listed file. */
  readonly missing: string | undefined;
  /** Start position in seconds (`?t=`). */
  readonly start: number;
  /** Id of this page view; tags its media requests so the server can push them back. */
  readonly view: string;
  /** Where the media is mounted, e.g. `/media`. */
  readonly mount: string;
}

/** Fills the HTML template; every value is escaped here. */
export function renderPage(template: string, input: PageInput): string {
  const values: Record<string, string> = {
    title: escapeHtml(input.selected?.name ?? 'partial-content player'),
    files: fileList(input),
    player: input.selected === undefined ? emptyStage(input) : player(input, input.selected),
  };
  return template.replace(/\{\{(\w+)\}\}/g, (whole, key: string) => values[key] ?? whole);
}

/** Parses `?t=`: seconds (`90`, `90.5`) or a clock (`1:30`, `1:02:03`); anything else is 0. */
export function parseStartTime(value: string | null): number {
  if (value === null || !/^\d+(?::[0-5]?\d){0,2}(?:\.\d+)?$/.test(value)) return 0;
  const seconds = value.split(':').reduce((total, part) => total * 60 + Number(part), 0);
  return Number.isFinite(seconds) ? seconds : 0;
}

/** The page URL that plays `name` (from `start` seconds). */
export function pageHref(name: string, start = 0): string {
  const query = new URLSearchParams({ file: name });
  if (start > 0) query.set('t', String(Math.floor(start)));
  return `/?${query.toString()}`;
}

function mediaHref(mount: string, name: string, view: string, start: number): string {
  // The media fragment (#t=) starts playback at `start` even with JavaScript off.
  const fragment = start > 0 ? `#t=${start}` : '';
  return `${mount}/${encodeURIComponent(name)}?view=${view}${fragment}`;
}

function fileList(input: PageInput): string {
  if (input.files.length === 0) return '<p>No media files yet.</p>';
  const items = input.files.map((file) => {
    const current = file === input.selected ? ' aria-current="page"' : '';
    return `<li><a href="${escapeHtml(pageHref(file.name))}"${current}>${escapeHtml(file.name)}</a>` +
      ` <span class="meta">${file.kind}, ${formatBytes(file.size)}</span></li>`;
  });
  return `<ul class="files">\n${items.join('\n')}\n</ul>`;
}

function emptyStage(input: PageInput): string {
  if (input.missing !== undefined) return `<p class="notice">There is no file named <code>${escapeHtml(input.missing)}</code>.</p>`;
  return '<p class="notice">Put audio or video files in the media folder and reload.</p>';
}

function player(input: PageInput, file: MediaFile): string {
  const src = escapeHtml(mediaHref(input.mount, file.name, input.view, input.start));
  const name = escapeHtml(file.name);
  // `controls` serves visitors without JavaScript; player.js removes it and shows ours.
  const element = `<${file.kind} id="media" src="${src}" preload="metadata" controls playsinline></${file.kind}>`;
  return `<figure class="player player-${file.kind}" data-view="${input.view}" data-file="${name}" data-start="${input.start}">
  ${element}
  <div class="controls" hidden>
    <button type="button" class="play" aria-label="Play"><span class="icon" aria-hidden="true"></span></button>
    <div class="seek" role="slider" tabindex="0" aria-label="Seek" aria-valuemin="0" aria-valuemax="0" aria-valuenow="0" aria-valuetext="0:00">
      <div class="seek-track">
        <div class="seek-ranges"></div>
        <div class="seek-buffered" hidden></div>
        <div class="seek-played"></div>
        <div class="seek-thumb"></div>
      </div>
    </div>
    <span class="time"><span class="time-current">0:00</span> / <span class="time-duration">-:--</span></span>
  </div>
  <p class="error" role="alert" hidden></p>
  <figcaption><strong>${name}</strong> · ${formatBytes(file.size)} · <a class="moment" href="${escapeHtml(pageHref(file.name, input.start))}">link to this moment</a></figcaption>
</figure>`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
