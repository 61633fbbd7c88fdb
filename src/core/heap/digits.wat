;; The parser's hot loop in WebAssembly: the unsigned integers of a V8 heap snapshot's number
;; tables ("nodes", "edges", "locations", …), digits, commas and whitespace, into a staging array,
;; in file order. About 2.4× the speed of the same loop in JavaScript on the machines measured: no
;; bounds checks, no number representation to watch, the whole loop in registers.
;;
;; `digits(i, end)` has the contract of the JavaScript loop it replaced (see parser.ts): it reads
;; bytes [i, end) of this module's memory, stores every number that ends into stage[k++], and
;; stops at `end`, at any byte that is neither a digit nor a separator (the caller handles it; the
;; returned offset points at it), or when the stage is full (then just past the separator that
;; ended its last number). A number cut off by `end` stays in `num` / `in_num` for the next call.
;; A number that `negative` marks is stored as 0 (V8 never writes signs in these tables).
;;
;; The source of src/core/heap/digitsWasm.ts, which `npm run build` regenerates (wabt's
;; wat2wasm); a unit test checks that the two agree.
(module
  (memory (export "memory") 1)
  ;; Where the stage starts in memory (bytes) and how many numbers it holds.
  (global $stage (export "stage") (mut i32) (i32.const 0))
  (global $stage_size (export "stageSize") (mut i32) (i32.const 0))
  ;; The scan's state between calls: numbers staged, the number in progress, and its flags.
  (global $k (export "k") (mut i32) (i32.const 0))
  (global $num (export "num") (mut i32) (i32.const 0))
  (global $in_num (export "inNum") (mut i32) (i32.const 0))
  (global $negative (export "negative") (mut i32) (i32.const 0))

  (func (export "digits") (param $i i32) (param $end i32) (result i32)
    (local $c i32)
    (local $d i32)
    (local $k i32)
    (local $num i32)
    (local $in_num i32)
    (local $sep i32)
    (local.set $k (global.get $k))
    (local.set $num (global.get $num))
    (local.set $in_num (global.get $in_num))
    (block $out
      (loop $next
        (br_if $out (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $c (i32.load8_u (local.get $i)))
        (local.set $d (i32.sub (local.get $c) (i32.const 48)))
        (if (i32.le_u (local.get $d) (i32.const 9))
          (then
            ;; A run of digits (most bytes of a snapshot are these).
            (local.set $num (i32.add (i32.mul (local.get $num) (i32.const 10)) (local.get $d)))
            (block $run_end
              (loop $run
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br_if $run_end (i32.ge_u (local.get $i) (local.get $end)))
                (local.set $c (i32.load8_u (local.get $i)))
                (local.set $d (i32.sub (local.get $c) (i32.const 48)))
                (br_if $run_end (i32.gt_u (local.get $d) (i32.const 9)))
                (local.set $num (i32.add (i32.mul (local.get $num) (i32.const 10)) (local.get $d)))
                (br $run)))
            (local.set $in_num (i32.const 1))
            ;; The number may go on in the next chunk.
            (br_if $out (i32.ge_u (local.get $i) (local.get $end)))))
        ;; Comma, newline, space, carriage return or tab (inline: V8 does not inline wasm calls).
        (local.set $sep
          (i32.or
            (i32.or (i32.eq (local.get $c) (i32.const 44)) (i32.eq (local.get $c) (i32.const 10)))
            (i32.or
              (i32.eq (local.get $c) (i32.const 32))
              (i32.or (i32.eq (local.get $c) (i32.const 13)) (i32.eq (local.get $c) (i32.const 9))))))
        (if (local.get $in_num)
          (then
            (if (global.get $negative)
              (then
                (local.set $num (i32.const 0))
                (global.set $negative (i32.const 0))))
            (i32.store
              (i32.add (global.get $stage) (i32.shl (local.get $k) (i32.const 2)))
              (local.get $num))
            (local.set $num (i32.const 0))
            (local.set $in_num (i32.const 0))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (if (i32.eq (local.get $k) (global.get $stage_size))
              (then
                ;; Full: past the separator that ended the number, or at the byte the caller handles.
                (if (local.get $sep)
                  (then (local.set $i (i32.add (local.get $i) (i32.const 1)))))
                (br $out)))))
        (br_if $out (i32.eqz (local.get $sep)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (global.set $k (local.get $k))
    (global.set $num (local.get $num))
    (global.set $in_num (local.get $in_num))
    (local.get $i))
)
