// The isolates of a watched program (its processes and worker threads): one summary row each, and
// the one whose samples, causes and types the panel shows. Hidden for a program of one isolate.
import { describeIsolate } from '../core/isolateViews';
import type { IsolateReport, Report } from '../core/report';
import { clear, el, icon, shorten } from './dom';
import { formatBytes } from '../display/format';

const END_WORDS: Record<NonNullable<IsolateReport['isolate']['end']>['how'], string> = {
  exited: 'exited',
  done: 'samples taken',
  stopped: 'stopped',
  failed: 'failed',
};

export interface IsolatePickerActions {
  select(key: string): void;
}

export class IsolatePicker {
  constructor(
    private readonly box: HTMLElement,
    private readonly actions: IsolatePickerActions,
  ) {}

  /** One row per isolate of `report` (none when it has one), `selected` marked. */
  render(report: Report, selected: string | undefined): void {
    clear(this.box);
    const sections = report.isolates ?? [];
    this.box.hidden = sections.length < 2;
    if (sections.length < 2) return;
    const shown = selected ?? report.isolate?.key;
    const rows = sections.map((s) => this.row(s, s.isolate.key === shown));
    this.box.append(
      el('h2', { attrs: { id: 'isolates-title' } }, icon('server-process'), ' Processes and threads'),
      el('table', { class: 'types isolates', attrs: { 'aria-labelledby': 'isolates-title' } },
        el('thead', {}, el('tr', {},
          el('th', { class: 'col-name' }, 'Isolate'),
          el('th', { class: 'num' }, 'Samples'),
          el('th', { class: 'num' }, 'Heap'),
          el('th', {}, 'Verdict'),
          el('th', {}, 'Watch'))),
        el('tbody', {}, ...rows)),
    );
  }

  private row(section: IsolateReport, selected: boolean): HTMLTableRowElement {
    const { isolate, samples, types } = section;
    const name = describeIsolate(isolate);
    const leaks = types.filter((t) => t.verdict === 'leak').map((t) => t.name);
    const suspects = types.filter((t) => t.verdict === 'suspect').length;
    const verdict = leaks.length ? `Leak: ${shorten(leaks.slice(0, 2).join(', '), 60)}${leaks.length > 2 ? ` +${leaks.length - 2}` : ''}` : suspects ? `${suspects} suspect` : section.tooEarly ? 'Too early' : samples.length ? 'No leak' : '–';
    const last = samples[samples.length - 1];
    const watch = isolate.end ? END_WORDS[isolate.end.how] : 'watching';
    const select = () => this.actions.select(isolate.key);
    return el('tr', {
      class: leaks.length ? 'row-cause' : '',
      attrs: { tabindex: 0, 'aria-selected': String(selected), 'data-isolate': isolate.key },
      title: isolate.end ? `${name}: ${isolate.end.reason}` : name,
      on: { click: select, keydown: (e) => (e.key === 'Enter' || e.key === ' ') && (e.preventDefault(), select()) },
    },
      el('td', { class: 'name col-name' }, icon(isolate.threadId ? 'symbol-event' : 'server-process'), ' ', shorten(name, 120)),
      el('td', { class: 'num' }, String(samples.length)),
      el('td', { class: 'num' }, last ? formatBytes(last.heapUsed) : '–'),
      el('td', { class: leaks.length ? 'verdict-leak' : '' }, verdict),
      el('td', {}, watch));
  }
}
