// The example player: our own controls over a native <audio>/<video>, and a live table of the range
// requests this page caused, pushed by the server from partialContent's onResponse events.
// Plain browser JavaScript, no build step. Without JavaScript the page still lists the files and the
// element keeps its native controls.

/** How far (seconds) the playhead may sit outside a buffered range and still count as inside it. */
const EDGE = 0.25;

const media = document.querySelector('#media');
if (media instanceof HTMLMediaElement) {
  const figure = media.closest('.player');
  setUpPlayer(media, figure);
  setUpRequestPanel(document.querySelector('.requests'), figure.dataset.view);
}

/**
 * The buffered TimeRange containing `time`, or null. Browsers keep several ranges (one per place the
 * user seeked to) and may merge or reorder them, so look the right one up every time.
 */
function rangeAround(ranges, time) {
  for (let i = 0; i < ranges.length; i++) {
    const start = ranges.start(i);
    const end = ranges.end(i);
    if (start - EDGE <= time && time <= end + EDGE) return { start, end };
  }
  return null;
}

/** `m:ss`, or `h:mm:ss` from an hour on; `-:--` while unknown. */
function clock(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return '-:--';
  const whole = Math.floor(seconds);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = String(whole % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

function clamp(value, low, high) {
  return Math.min(high, Math.max(low, value));
}

function percent(fraction) {
  return `${(fraction * 100).toFixed(4)}%`;
}

function setUpPlayer(media, figure) {
  const controls = figure.querySelector('.controls');
  const playButton = controls.querySelector('.play');
  const seek = controls.querySelector('.seek');
  const track = seek.querySelector('.seek-track');
  const otherRanges = seek.querySelector('.seek-ranges');
  const bufferedBar = seek.querySelector('.seek-buffered');
  const playedBar = seek.querySelector('.seek-played');
  const thumb = seek.querySelector('.seek-thumb');
  const currentText = controls.querySelector('.time-current');
  const durationText = controls.querySelector('.time-duration');
  const errorText = figure.querySelector('.error');
  const moment = figure.querySelector('.moment');
  const file = figure.dataset.file;
  const start = Number(figure.dataset.start) || 0;

  media.controls = false;
  controls.hidden = false;

  /** While dragging: the fraction under the pointer; the seek happens on release. */
  let dragFraction = null;
  /** The last seek target until the browser reports `seeked` (so repeated keys add up). */
  let pendingTarget = null;
  let drawnOthers = '';
  let linkedSecond = -1;

  function duration() {
    const d = media.duration;
    return Number.isFinite(d) && d > 0 ? d : null;
  }

  function togglePlay() {
    if (media.paused || media.ended) media.play().catch(showError);
    else media.pause();
  }

  function seekTo(time) {
    const d = duration();
    if (d === null) return;
    pendingTarget = clamp(time, 0, d);
    media.currentTime = pendingTarget;
    render();
  }

  function showError(error) {
    const code = media.error ? ` (MediaError ${media.error.code})` : '';
    errorText.textContent = `Cannot play: ${media.error?.message || error?.message || 'unknown error'}${code}`;
    errorText.hidden = false;
  }

  function fractionAt(clientX) {
    const box = track.getBoundingClientRect();
    return clamp((clientX - box.left) / box.width, 0, 1);
  }

  function render() {
    const d = duration();
    const time = dragFraction !== null && d !== null ? dragFraction * d : (pendingTarget ?? media.currentTime);
    currentText.textContent = clock(time);
    durationText.textContent = d === null ? '-:--' : clock(d);

    const played = d === null ? 0 : clamp(time / d, 0, 1);
    playedBar.style.width = percent(played);
    thumb.style.left = percent(played);

    // The buffered range around the playhead is drawn strongly, the others faintly.
    const around = d === null ? null : rangeAround(media.buffered, media.currentTime);
    bufferedBar.hidden = around === null;
    if (around !== null) {
      bufferedBar.style.left = percent(around.start / d);
      bufferedBar.style.width = percent((around.end - around.start) / d);
    }
    drawOtherRanges(d, around);

    seek.setAttribute('aria-valuemax', d === null ? '0' : String(Math.round(d)));
    seek.setAttribute('aria-valuenow', String(Math.round(time)));
    seek.setAttribute('aria-valuetext', `${clock(time)} of ${clock(d ?? NaN)}`);
    playButton.setAttribute('aria-label', media.paused || media.ended ? 'Play' : 'Pause');

    const second = Math.floor(time);
    if (second !== linkedSecond) {
      linkedSecond = second;
      const query = new URLSearchParams({ file });
      if (second > 0) query.set('t', String(second));
      moment.href = `/?${query}`;
    }
  }

  function drawOtherRanges(d, around) {
    const ranges = [];
    if (d !== null) {
      for (let i = 0; i < media.buffered.length; i++) {
        const s = media.buffered.start(i);
        const e = media.buffered.end(i);
        if (around === null || s !== around.start) ranges.push([s / d, (e - s) / d]);
      }
    }
    const key = ranges.map(([s, w]) => `${s.toFixed(4)}+${w.toFixed(4)}`).join(' ');
    if (key === drawnOthers) return;
    drawnOthers = key;
    otherRanges.replaceChildren(
      ...ranges.map(([s, w]) => {
        const bar = document.createElement('div');
        bar.style.left = percent(s);
        bar.style.width = percent(w);
        return bar;
      }),
    );
  }

  // Redraw every frame: `buffered` changes without an event we could rely on for each change.
  function frame() {
    render();
    requestAnimationFrame(frame);
  }
  requestAnimationFrame(frame);

  playButton.addEventListener('click', togglePlay);
  if (media instanceof HTMLVideoElement) media.addEventListener('click', togglePlay);
  media.addEventListener('seeked', () => {
    pendingTarget = null;
  });
  media.addEventListener('error', () => showError(null));
  media.addEventListener('loadedmetadata', () => {
    // The #t= fragment in the src already starts there; this covers browsers that ignore it.
    const d = duration();
    if (start > 0 && d !== null && start < d && Math.abs(media.currentTime - start) > 0.5) seekTo(start);
  });

  seek.addEventListener('pointerdown', (event) => {
    if (event.button !== 0) return;
    event.preventDefault();
    seek.setPointerCapture(event.pointerId);
    seek.focus();
    dragFraction = fractionAt(event.clientX);
  });
  seek.addEventListener('pointermove', (event) => {
    if (dragFraction !== null) dragFraction = fractionAt(event.clientX);
  });
  seek.addEventListener('pointerup', (event) => {
    if (dragFraction === null) return;
    const fraction = fractionAt(event.clientX);
    dragFraction = null;
    const d = duration();
    if (d !== null) seekTo(fraction * d);
  });
  seek.addEventListener('pointercancel', () => {
    dragFraction = null;
  });

  document.addEventListener('keydown', (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey || event.defaultPrevented) return;
    const target = event.target;
    if (target instanceof Element && target.closest('input, textarea, select, [contenteditable]')) return;
    const onSlider = target === seek;
    const base = pendingTarget ?? media.currentTime;
    const step = event.shiftKey ? 30 : 5;
    switch (event.key) {
      case 'ArrowRight':
        seekTo(base + step);
        break;
      case 'ArrowLeft':
        seekTo(base - step);
        break;
      case 'ArrowUp':
      case 'ArrowDown':
        if (!onSlider) return;
        seekTo(base + (event.key === 'ArrowUp' ? step : -step));
        break;
      case 'PageUp':
      case 'PageDown':
        if (!onSlider) return;
        seekTo(base + (event.key === 'PageUp' ? 30 : -30));
        break;
      case 'Home':
        if (!onSlider) return;
        seekTo(0);
        break;
      case 'End':
        if (!onSlider) return;
        seekTo(duration() ?? 0);
        break;
      case ' ':
      case 'k':
        // A focused button or link already reacts to Space.
        if (target instanceof Element && target.closest('button, a')) return;
        togglePlay();
        break;
      default:
        return;
    }
    event.preventDefault();
  });
}

function setUpRequestPanel(section, view) {
  if (!section || !view || typeof EventSource !== 'function') return;
  section.hidden = false;
  const body = section.querySelector('tbody');
  const wrap = section.querySelector('.table-wrap');
  const summary = section.querySelector('.summary');
  const totals = { count: 0, bytes: 0, aborted: 0, capped: 0 };

  const events = new EventSource(`/events?view=${encodeURIComponent(view)}`);
  events.addEventListener('range', (message) => {
    const row = JSON.parse(message.data);
    const atBottom = wrap.scrollTop + wrap.clientHeight >= wrap.scrollHeight - 4;
    body.append(tableRow(row, totals));
    while (body.rows.length > 500) body.deleteRow(0);
    if (atBottom) wrap.scrollTop = wrap.scrollHeight;
    summary.textContent =
      `${totals.count} responses, ${bytes(totals.bytes)} sent` +
      (totals.capped > 0 ? `, ${totals.capped} open-ended ranges capped` : '') +
      (totals.aborted > 0 ? `, ${totals.aborted} cancelled by the browser` : '') +
      '.';
  });
}

function tableRow(row, totals) {
  totals.count += 1;
  totals.bytes += row.bytesWritten;
  const openEnded = /^bytes=(\d+)-$/.exec(row.range ?? '');
  const served = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(row.contentRange ?? '');
  const capped = openEnded !== null && served !== null && Number(served[2]) + 1 < Number(served[3]);
  if (capped) totals.capped += 1;
  if (row.aborted) totals.aborted += 1;

  const tr = document.createElement('tr');
  tr.dataset.id = String(row.id);
  if (row.aborted) tr.className = 'aborted';
  const sent = row.aborted ? `${bytes(row.bytesWritten)} of ${bytes(row.bytesExpected)}` : bytes(row.bytesWritten);
  const note = [
    capped ? 'capped' : '',
    row.status === 304 ? 'still valid: the browser uses its cached copy' : '',
    row.aborted ? 'cancelled' : '',
  ].filter(Boolean).join(', ');
  const cells = [
    [String(totals.count), 'n'],
    [row.range ?? `(none) ${row.method}`, 'range'],
    [String(row.status), 'status'],
    [row.contentRange ?? '', 'content-range'],
    [sent, 'sent'],
    [`${Math.round(row.durationMs)} ms`, 'ms'],
    [note, 'note'],
  ];
  for (const [text, name] of cells) {
    const td = document.createElement('td');
    td.className = name;
    td.textContent = text;
    tr.append(td);
  }
  return tr;
}

function bytes(count) {
  if (count < 1024) return `${count} B`;
  if (count < 1024 * 1024) return `${(count / 1024).toFixed(1)} KiB`;
  return `${(count / 1024 / 1024).toFixed(2)} MiB`;
}
