// The allocation-tracking call tree ("trace_tree": nested `[id, function_info_index, count, size,
// [children…], …]`), flattened in pre-order as it streams: each node's id, function and parent.
import { GrowableColumns } from './columns';
import { corrupt, describeByte } from './errors';
import { CLOSE_BRACKET, COMMA, CR, NEWLINE, OPEN_BRACKET, SPACE, TAB } from './jsonBytes';

/** The "trace_tree" array of a snapshot, read from just after its `[`. */
export class TraceTree {
  /** id, function_info_index, parent (the index of the parent's row; -1 for the roots). */
  readonly columns = new GrowableColumns(['id', 'function_info_index', 'parent'], [Uint32Array, Uint32Array, Int32Array], 1024);
  /** The tree's last `]` has been read. */
  ended = false;
  private depth = 1;
  private stackParent: number[] = [-1];
  private stackPos: number[] = [0];
  private current = -1;
  private num = 0;
  private inNum = false;

  /** `width`: the fields of a tree node (`meta.trace_node_fields`), the last being its children. */
  constructor(private readonly width: number) {}

  /** Reads buf[i, end) of the tree; returns the offset reached (just after its last `]` once `ended`). */
  scan(buf: Buffer, i: number, end: number): number {
    const trace = this.columns;
    const width = this.width;
    let num = this.num;
    let inNum = this.inNum;
    for (; i < end; i++) {
      const c = buf[i];
      const d = c - 48;
      if (d >= 0 && d <= 9) {
        num = num * 10 + d;
        inNum = true;
        continue;
      }
      if (inNum) {
        const depth = this.depth - 1;
        const pos = this.stackPos[depth]++ % width;
        if (pos === 0) {
          this.current = trace.length;
          trace.pushRow3(num, 0, this.stackParent[depth]);
        } else if (pos === 1) {
          trace.set(1, this.current, num);
        }
        num = 0;
        inNum = false;
      }
      if (c === OPEN_BRACKET) {
        // A children array of the current node.
        this.stackPos[this.depth - 1]++;
        this.stackParent.push(this.current);
        this.stackPos.push(0);
        this.depth++;
      } else if (c === CLOSE_BRACKET) {
        this.depth--;
        this.stackParent.pop();
        this.stackPos.pop();
        if (this.depth === 0) {
          i++;
          this.ended = true;
          break;
        }
      } else if (c !== COMMA && c !== SPACE && c !== NEWLINE && c !== CR && c !== TAB) {
        throw corrupt(`unexpected ${describeByte(c)} in "trace_tree"`);
      }
    }
    this.num = num;
    this.inNum = inNum;
    return i;
  }
}
