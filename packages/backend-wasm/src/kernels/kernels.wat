;; gradclip WebAssembly SIMD kernels. Source of truth for src/kernels/kernel-binary.ts, which
;; scripts/build-wasm.mjs assembles from this file with the npm `wabt` package (a test checks that
;; the committed binary is up to date).
;;
;; Every export works through a list of jobs in the shared memory. Threads (the main thread and
;; the workers, each with its own instance over the same memory) take jobs with an atomic counter,
;; so a slow thread never holds the others back, and each job writes only its own record: results
;; do not depend on which thread ran which job.
;;
;; Job record, 48 bytes:
;;   0 src i32 (byte offset of the float32 input)   4 dst i32 (byte offset of the float32 output)
;;   8 length i32 (elements)                       12 scale order i32 (0, 1, 2)
;;  16 multiplier f32                               20 divisor f32
;;  24 min f32 (out)  28 max f32 (out)  32 sum f64 (out)
;;  For the summary with mode 0 (p = ∞), sum is 1 when the job holds a NaN, else 0.
;;
;; Power sums are plain float64 sums with a stated error bound (core certifies every decision from
;; it; see ../sum-error-bound.ts). Terms t = |g| or g² of float32 values are exact in float64 (a
;; float32 square has 48 significant bits). Per block of 4096 elements, 8 lanes (4 f64x2
;; accumulators) each add at most 512 terms starting from 0; the block's lanes are reduced in a
;; fixed tree (4 adds on any path, the scalar tail of at most 7 terms included) and the block sum
;; is added to the job's sum (at most 64 blocks per 2^18-element job). So every term goes through
;; at most 512 + 4 + 64 roundings inside a job, whatever the thread that ran it.

(module
  (import "env" "memory" (memory 1 65536 shared))

  (global $BLOCK i32 (i32.const 4096))

  ;; ---------------------------------------------------------------------------------------------
  ;; Shared pieces

  ;; The next job index, or -1 when every job is taken.
  (func $take (param $counter i32) (param $count i32) (result i32)
    (local $j i32)
    (local.set $j (i32.atomic.rmw.add (local.get $counter) (i32.const 1)))
    (if (result i32) (i32.lt_u (local.get $j) (local.get $count))
      (then (local.get $j))
      (else (i32.const -1))))

  ;; min ignoring NaN in x: x < m ? x : m
  (func $pmin (param $m f32) (param $x f32) (result f32)
    (select (local.get $x) (local.get $m) (f32.lt (local.get $x) (local.get $m))))

  ;; max ignoring NaN in x: m < x ? x : m
  (func $pmax (param $m f32) (param $x f32) (result f32)
    (select (local.get $x) (local.get $m) (f32.lt (local.get $m) (local.get $x))))

  (func $hmin (param $v v128) (result f32)
    (call $pmin
      (call $pmin (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (call $pmin (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  (func $hmax (param $v v128) (result f32)
    (call $pmax
      (call $pmax (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (call $pmax (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

;; ---------------------------------------------------------------------------------------------
  ;; summarize(jobs, count, counter, mode): mode 2 → Σg², 1 → Σ|g|, 0 → NaN flag; always the min
  ;; and max (ignoring NaN). One pass: the min/max and the sum share each load. A NaN makes the
  ;; sum NaN and ±∞ makes it +∞ (terms are ≥ 0), so modes 1 and 2 need no NaN test.

  (func (export "summarize")
    (param $jobs i32) (param $count i32) (param $counter i32) (param $mode i32)
    (local $j i32) (local $record i32) (local $src i32) (local $end i32) (local $blockEnd i32)
    (local $vend i32)
    (local $x v128) (local $y v128) (local $vmin v128) (local $vmax v128) (local $vnan v128)
    (local $wmin v128) (local $wmax v128)
    (local $jobMin f32) (local $jobMax f32) (local $g f32)
    (local $jobSum f64) (local $tail f64) (local $t f64)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $d v128)
    (block $done
      (loop $nextJob
        (local.set $j (call $take (local.get $counter) (local.get $count)))
        (br_if $done (i32.lt_s (local.get $j) (i32.const 0)))
        (local.set $record (i32.add (local.get $jobs) (i32.mul (local.get $j) (i32.const 48))))
        (local.set $src (i32.load (local.get $record)))
        (local.set $end
          (i32.add (local.get $src) (i32.shl (i32.load offset=8 (local.get $record)) (i32.const 2))))
        (local.set $vmin (v128.const f32x4 inf inf inf inf))
        (local.set $vmax (v128.const f32x4 -inf -inf -inf -inf))
        (local.set $wmin (local.get $vmin))
        (local.set $wmax (local.get $vmax))
        (local.set $vnan (v128.const i32x4 0 0 0 0))
        (local.set $jobSum (f64.const 0))
        (local.set $jobMin (f32.const inf))
        (local.set $jobMax (f32.const -inf))
        (block $blocksDone
          (loop $nextBlock
            (br_if $blocksDone (i32.ge_u (local.get $src) (local.get $end)))
            (local.set $blockEnd (i32.add (local.get $src) (i32.shl (global.get $BLOCK) (i32.const 2))))
            (if (i32.gt_u (local.get $blockEnd) (local.get $end))
              (then (local.set $blockEnd (local.get $end))))
            (local.set $vend
              (i32.add (local.get $src)
                (i32.and (i32.sub (local.get $blockEnd) (local.get $src)) (i32.const -32))))
            (local.set $a0 (v128.const i64x2 0 0))
            (local.set $a1 (local.get $a0))
            (local.set $a2 (local.get $a0))
            (local.set $a3 (local.get $a0))
            (if (i32.eq (local.get $mode) (i32.const 2))
              (then
                (block $squaresDone
                  (loop $squares
                    (br_if $squaresDone (i32.ge_u (local.get $src) (local.get $vend)))
                    (local.set $x (v128.load (local.get $src)))
                    (local.set $y (v128.load offset=16 (local.get $src)))
                    (local.set $vmin (f32x4.pmin (local.get $vmin) (local.get $x)))
                    (local.set $vmax (f32x4.pmax (local.get $vmax) (local.get $x)))
                    (local.set $wmin (f32x4.pmin (local.get $wmin) (local.get $y)))
                    (local.set $wmax (f32x4.pmax (local.get $wmax) (local.get $y)))
                    (local.set $d (f64x2.promote_low_f32x4 (local.get $x)))
                    (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (local.get $d) (local.get $d))))
                    (local.set $d (f64x2.promote_low_f32x4
                      (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $x) (local.get $x))))
                    (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (local.get $d) (local.get $d))))
                    (local.set $d (f64x2.promote_low_f32x4 (local.get $y)))
                    (local.set $a2 (f64x2.add (local.get $a2) (f64x2.mul (local.get $d) (local.get $d))))
                    (local.set $d (f64x2.promote_low_f32x4
                      (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $y) (local.get $y))))
                    (local.set $a3 (f64x2.add (local.get $a3) (f64x2.mul (local.get $d) (local.get $d))))
                    (local.set $src (i32.add (local.get $src) (i32.const 32)))
                    (br $squares)))))
            (if (i32.eq (local.get $mode) (i32.const 1))
              (then
                (block $absDone
                  (loop $abs
                    (br_if $absDone (i32.ge_u (local.get $src) (local.get $vend)))
                    (local.set $x (v128.load (local.get $src)))
                    (local.set $y (v128.load offset=16 (local.get $src)))
                    (local.set $vmin (f32x4.pmin (local.get $vmin) (local.get $x)))
                    (local.set $vmax (f32x4.pmax (local.get $vmax) (local.get $x)))
                    (local.set $wmin (f32x4.pmin (local.get $wmin) (local.get $y)))
                    (local.set $wmax (f32x4.pmax (local.get $wmax) (local.get $y)))
                    (local.set $x (f32x4.abs (local.get $x)))
                    (local.set $y (f32x4.abs (local.get $y)))
                    (local.set $a0 (f64x2.add (local.get $a0) (f64x2.promote_low_f32x4 (local.get $x))))
                    (local.set $a1 (f64x2.add (local.get $a1) (f64x2.promote_low_f32x4
                      (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $x) (local.get $x)))))
                    (local.set $a2 (f64x2.add (local.get $a2) (f64x2.promote_low_f32x4 (local.get $y))))
                    (local.set $a3 (f64x2.add (local.get $a3) (f64x2.promote_low_f32x4
                      (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $y) (local.get $y)))))
                    (local.set $src (i32.add (local.get $src) (i32.const 32)))
                    (br $abs)))))
            (if (i32.eqz (local.get $mode))
              (then
                (block $maxDone
                  (loop $max
                    (br_if $maxDone (i32.ge_u (local.get $src) (local.get $vend)))
                    (local.set $x (v128.load (local.get $src)))
                    (local.set $y (v128.load offset=16 (local.get $src)))
                    (local.set $vmin (f32x4.pmin (local.get $vmin) (local.get $x)))
                    (local.set $vmax (f32x4.pmax (local.get $vmax) (local.get $x)))
                    (local.set $wmin (f32x4.pmin (local.get $wmin) (local.get $y)))
                    (local.set $wmax (f32x4.pmax (local.get $wmax) (local.get $y)))
                    (local.set $vnan (v128.or (local.get $vnan)
                      (v128.or (f32x4.ne (local.get $x) (local.get $x)) (f32x4.ne (local.get $y) (local.get $y)))))
                    (local.set $src (i32.add (local.get $src) (i32.const 32)))
                    (br $max)))))
            ;; Scalar tail (fewer than 8 elements, last block of the job only).
            (local.set $tail (f64.const 0))
            (block $scalarDone
              (loop $scalar
                (br_if $scalarDone (i32.ge_u (local.get $src) (local.get $blockEnd)))
                (local.set $g (f32.load (local.get $src)))
                (local.set $jobMin (call $pmin (local.get $jobMin) (local.get $g)))
                (local.set $jobMax (call $pmax (local.get $jobMax) (local.get $g)))
                (local.set $t (f64.abs (f64.promote_f32 (local.get $g))))
                (if (i32.eq (local.get $mode) (i32.const 2))
                  (then (local.set $t (f64.mul (local.get $t) (local.get $t)))))
                (if (f64.ne (local.get $t) (local.get $t))
                  (then (local.set $vnan (v128.const i32x4 -1 0 0 0))))
                (local.set $tail (f64.add (local.get $tail) (local.get $t)))
                (local.set $src (i32.add (local.get $src) (i32.const 4)))
                (br $scalar)))
            ;; The block's sum, in a fixed tree: (a0 + a1) + (a2 + a3), lane 0 + lane 1, + tail.
            (local.set $a0 (f64x2.add
              (f64x2.add (local.get $a0) (local.get $a1))
              (f64x2.add (local.get $a2) (local.get $a3))))
            (local.set $jobSum (f64.add (local.get $jobSum)
              (f64.add
                (f64.add (f64x2.extract_lane 0 (local.get $a0)) (f64x2.extract_lane 1 (local.get $a0)))
                (local.get $tail))))
            (br $nextBlock)))
        ;; The vector lanes' extremes come before the tail's (lane order, then the tail).
        (local.set $vmin (f32x4.pmin (local.get $vmin) (local.get $wmin)))
        (local.set $vmax (f32x4.pmax (local.get $vmax) (local.get $wmax)))
        (f32.store offset=24 (local.get $record)
          (call $pmin (call $hmin (local.get $vmin)) (local.get $jobMin)))
        (f32.store offset=28 (local.get $record)
          (call $pmax (call $hmax (local.get $vmax)) (local.get $jobMax)))
        (f64.store offset=32 (local.get $record)
          (if (result f64) (i32.eqz (local.get $mode))
            (then (f64.convert_i32_u (v128.any_true (local.get $vnan))))
            (else (local.get $jobSum))))
        (br $nextJob))))

  ;; scale(jobs, count, counter): per job, order 0 → g·m, 1 → (g·m)/d, 2 → (g/d)·m, each in float32
  ;; (correctly rounded, so equal to the oracle's float64 operation rounded once).

  (func (export "scale") (param $jobs i32) (param $count i32) (param $counter i32)
    (local $order i32) (local $j i32) (local $record i32) (local $src i32) (local $dst i32) (local $end i32) (local $vend i32)
    (local $m f32) (local $dv f32) (local $vm v128) (local $vd v128)
    (block $done
      (loop $nextJob
        (local.set $j (call $take (local.get $counter) (local.get $count)))
        (br_if $done (i32.lt_s (local.get $j) (i32.const 0)))
        (local.set $record (i32.add (local.get $jobs) (i32.mul (local.get $j) (i32.const 48))))
        (local.set $src (i32.load (local.get $record)))
        (local.set $dst (i32.load offset=4 (local.get $record)))
        (local.set $end
          (i32.add (local.get $src) (i32.shl (i32.load offset=8 (local.get $record)) (i32.const 2))))
        (local.set $vend
          (i32.add (local.get $src) (i32.and (i32.sub (local.get $end) (local.get $src)) (i32.const -32))))
        (local.set $m (f32.load offset=16 (local.get $record)))
        (local.set $dv (f32.load offset=20 (local.get $record)))
        (local.set $vm (f32x4.splat (local.get $m)))
        (local.set $vd (f32x4.splat (local.get $dv)))
        (local.set $order (i32.load offset=12 (local.get $record)))
        (if (i32.eqz (local.get $order))
          (then
            (block $vDone
              (loop $v
                (br_if $vDone (i32.ge_u (local.get $src) (local.get $vend)))
                (v128.store (local.get $dst) (f32x4.mul (v128.load (local.get $src)) (local.get $vm)))
                (v128.store offset=16 (local.get $dst)
                  (f32x4.mul (v128.load offset=16 (local.get $src)) (local.get $vm)))
                (local.set $src (i32.add (local.get $src) (i32.const 32)))
                (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
                (br $v)))
            (block $sDone
              (loop $s
                (br_if $sDone (i32.ge_u (local.get $src) (local.get $end)))
                (f32.store (local.get $dst) (f32.mul (f32.load (local.get $src)) (local.get $m)))
                (local.set $src (i32.add (local.get $src) (i32.const 4)))
                (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
                (br $s))))
          (else
            (if (i32.eq (local.get $order) (i32.const 1))
              (then
                (block $vDone
                  (loop $v
                    (br_if $vDone (i32.ge_u (local.get $src) (local.get $vend)))
                    (v128.store (local.get $dst)
                      (f32x4.div (f32x4.mul (v128.load (local.get $src)) (local.get $vm)) (local.get $vd)))
                    (v128.store offset=16 (local.get $dst)
                      (f32x4.div (f32x4.mul (v128.load offset=16 (local.get $src)) (local.get $vm)) (local.get $vd)))
                    (local.set $src (i32.add (local.get $src) (i32.const 32)))
                    (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
                    (br $v)))
                (block $sDone
                  (loop $s
                    (br_if $sDone (i32.ge_u (local.get $src) (local.get $end)))
                    (f32.store (local.get $dst)
                      (f32.div (f32.mul (f32.load (local.get $src)) (local.get $m)) (local.get $dv)))
                    (local.set $src (i32.add (local.get $src) (i32.const 4)))
                    (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
                    (br $s))))
              (else
                (block $vDone
                  (loop $v
                    (br_if $vDone (i32.ge_u (local.get $src) (local.get $vend)))
                    (v128.store (local.get $dst)
                      (f32x4.mul (f32x4.div (v128.load (local.get $src)) (local.get $vd)) (local.get $vm)))
                    (v128.store offset=16 (local.get $dst)
                      (f32x4.mul (f32x4.div (v128.load offset=16 (local.get $src)) (local.get $vd)) (local.get $vm)))
                    (local.set $src (i32.add (local.get $src) (i32.const 32)))
                    (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
                    (br $v)))
                (block $sDone
                  (loop $s
                    (br_if $sDone (i32.ge_u (local.get $src) (local.get $end)))
                    (f32.store (local.get $dst)
                      (f32.mul (f32.div (f32.load (local.get $src)) (local.get $dv)) (local.get $m)))
                    (local.set $src (i32.add (local.get $src) (i32.const 4)))
                    (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
                    (br $s)))))))
        (br $nextJob))))

  ;; ---------------------------------------------------------------------------------------------
  ;; clamp(jobs, count, counter, min, max): g < min ? min : g > max ? max : g (NaN and -0 kept).

  (func (export "clamp")
    (param $jobs i32) (param $count i32) (param $counter i32) (param $lo f32) (param $hi f32)
    (local $j i32) (local $record i32) (local $src i32) (local $dst i32) (local $end i32) (local $vend i32)
    (local $vlo v128) (local $vhi v128) (local $x v128) (local $g f32)
    (local.set $vlo (f32x4.splat (local.get $lo)))
    (local.set $vhi (f32x4.splat (local.get $hi)))
    (block $done
      (loop $nextJob
        (local.set $j (call $take (local.get $counter) (local.get $count)))
        (br_if $done (i32.lt_s (local.get $j) (i32.const 0)))
        (local.set $record (i32.add (local.get $jobs) (i32.mul (local.get $j) (i32.const 48))))
        (local.set $src (i32.load (local.get $record)))
        (local.set $dst (i32.load offset=4 (local.get $record)))
        (local.set $end
          (i32.add (local.get $src) (i32.shl (i32.load offset=8 (local.get $record)) (i32.const 2))))
        (local.set $vend
          (i32.add (local.get $src) (i32.and (i32.sub (local.get $end) (local.get $src)) (i32.const -16))))
        (block $vDone
          (loop $v
            (br_if $vDone (i32.ge_u (local.get $src) (local.get $vend)))
            (local.set $x (v128.load (local.get $src)))
            ;; As in clampSummarize: pmax(x, lo) then pmin(·, hi) are the contract's two comparisons.
            (v128.store (local.get $dst)
              (f32x4.pmin (f32x4.pmax (local.get $x) (local.get $vlo)) (local.get $vhi)))
            (local.set $src (i32.add (local.get $src) (i32.const 16)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
            (br $v)))
        (block $sDone
          (loop $s
            (br_if $sDone (i32.ge_u (local.get $src) (local.get $end)))
            (local.set $g (f32.load (local.get $src)))
            (f32.store (local.get $dst)
              (select (local.get $lo)
                (select (local.get $hi) (local.get $g) (f32.gt (local.get $g) (local.get $hi)))
                (f32.lt (local.get $g) (local.get $lo))))
            (local.set $src (i32.add (local.get $src) (i32.const 4)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
            (br $s)))
        (br $nextJob))))

  ;; ---------------------------------------------------------------------------------------------
  ;; clampSummarize(jobs, count, counter, min, max): clamp, and the output's Σy², min and max in the
  ;; same pass (job record as for summarize mode 2, same blocks, lanes and tree, so the same bound):
  ;; clip by value needs the clamped tensors' norm, and this saves re-reading them.

  (func (export "clampSummarize")
    (param $jobs i32) (param $count i32) (param $counter i32) (param $lo f32) (param $hi f32)
    (local $j i32) (local $record i32) (local $src i32) (local $dst i32) (local $end i32)
    (local $blockEnd i32) (local $vend i32)
    (local $vlo v128) (local $vhi v128)
    (local $x v128) (local $y v128) (local $vmin v128) (local $vmax v128)
    (local $wmin v128) (local $wmax v128)
    (local $jobMin f32) (local $jobMax f32) (local $g f32)
    (local $jobSum f64) (local $tail f64) (local $t f64)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $d v128)
    (local.set $vlo (f32x4.splat (local.get $lo)))
    (local.set $vhi (f32x4.splat (local.get $hi)))
    (block $done
      (loop $nextJob
        (local.set $j (call $take (local.get $counter) (local.get $count)))
        (br_if $done (i32.lt_s (local.get $j) (i32.const 0)))
        (local.set $record (i32.add (local.get $jobs) (i32.mul (local.get $j) (i32.const 48))))
        (local.set $src (i32.load (local.get $record)))
        (local.set $dst (i32.load offset=4 (local.get $record)))
        (local.set $end
          (i32.add (local.get $src) (i32.shl (i32.load offset=8 (local.get $record)) (i32.const 2))))
        (local.set $vmin (v128.const f32x4 inf inf inf inf))
        (local.set $vmax (v128.const f32x4 -inf -inf -inf -inf))
        (local.set $wmin (local.get $vmin))
        (local.set $wmax (local.get $vmax))
        (local.set $jobSum (f64.const 0))
        (local.set $jobMin (f32.const inf))
        (local.set $jobMax (f32.const -inf))
        (block $blocksDone
          (loop $nextBlock
            (br_if $blocksDone (i32.ge_u (local.get $src) (local.get $end)))
            (local.set $blockEnd (i32.add (local.get $src) (i32.shl (global.get $BLOCK) (i32.const 2))))
            (if (i32.gt_u (local.get $blockEnd) (local.get $end))
              (then (local.set $blockEnd (local.get $end))))
            (local.set $vend
              (i32.add (local.get $src)
                (i32.and (i32.sub (local.get $blockEnd) (local.get $src)) (i32.const -32))))
            (local.set $a0 (v128.const i64x2 0 0))
            (local.set $a1 (local.get $a0))
            (local.set $a2 (local.get $a0))
            (local.set $a3 (local.get $a0))
            (block $squaresDone
              (loop $squares
                (br_if $squaresDone (i32.ge_u (local.get $src) (local.get $vend)))
                (local.set $x (v128.load (local.get $src)))
                (local.set $y (v128.load offset=16 (local.get $src)))
                ;; pmax(x, lo) = x < lo ? lo : x, then pmin(·, hi) = hi < · ? hi : ·: the contract's
                ;; comparisons exactly (NaN and -0 pass through), one instruction each.
                (local.set $x (f32x4.pmin (f32x4.pmax (local.get $x) (local.get $vlo)) (local.get $vhi)))
                (local.set $y (f32x4.pmin (f32x4.pmax (local.get $y) (local.get $vlo)) (local.get $vhi)))
                (v128.store (local.get $dst) (local.get $x))
                (v128.store offset=16 (local.get $dst) (local.get $y))
                (local.set $vmin (f32x4.pmin (local.get $vmin) (local.get $x)))
                (local.set $vmax (f32x4.pmax (local.get $vmax) (local.get $x)))
                (local.set $wmin (f32x4.pmin (local.get $wmin) (local.get $y)))
                (local.set $wmax (f32x4.pmax (local.get $wmax) (local.get $y)))
                (local.set $d (f64x2.promote_low_f32x4 (local.get $x)))
                (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (local.get $d) (local.get $d))))
                (local.set $d (f64x2.promote_low_f32x4
                  (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $x) (local.get $x))))
                (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (local.get $d) (local.get $d))))
                (local.set $d (f64x2.promote_low_f32x4 (local.get $y)))
                (local.set $a2 (f64x2.add (local.get $a2) (f64x2.mul (local.get $d) (local.get $d))))
                (local.set $d (f64x2.promote_low_f32x4
                  (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $y) (local.get $y))))
                (local.set $a3 (f64x2.add (local.get $a3) (f64x2.mul (local.get $d) (local.get $d))))
                (local.set $src (i32.add (local.get $src) (i32.const 32)))
                (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
                (br $squares)))
            (local.set $tail (f64.const 0))
            (block $scalarDone
              (loop $scalar
                (br_if $scalarDone (i32.ge_u (local.get $src) (local.get $blockEnd)))
                (local.set $g (f32.load (local.get $src)))
                (local.set $g
                  (select (local.get $lo)
                    (select (local.get $hi) (local.get $g) (f32.gt (local.get $g) (local.get $hi)))
                    (f32.lt (local.get $g) (local.get $lo))))
                (f32.store (local.get $dst) (local.get $g))
                (local.set $jobMin (call $pmin (local.get $jobMin) (local.get $g)))
                (local.set $jobMax (call $pmax (local.get $jobMax) (local.get $g)))
                (local.set $t (f64.promote_f32 (local.get $g)))
                (local.set $tail (f64.add (local.get $tail) (f64.mul (local.get $t) (local.get $t))))
                (local.set $src (i32.add (local.get $src) (i32.const 4)))
                (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
                (br $scalar)))
            (local.set $a0 (f64x2.add
              (f64x2.add (local.get $a0) (local.get $a1))
              (f64x2.add (local.get $a2) (local.get $a3))))
            (local.set $jobSum (f64.add (local.get $jobSum)
              (f64.add
                (f64.add (f64x2.extract_lane 0 (local.get $a0)) (f64x2.extract_lane 1 (local.get $a0)))
                (local.get $tail))))
            (br $nextBlock)))
        (local.set $vmin (f32x4.pmin (local.get $vmin) (local.get $wmin)))
        (local.set $vmax (f32x4.pmax (local.get $vmax) (local.get $wmax)))
        (f32.store offset=24 (local.get $record)
          (call $pmin (call $hmin (local.get $vmin)) (local.get $jobMin)))
        (f32.store offset=28 (local.get $record)
          (call $pmax (call $hmax (local.get $vmax)) (local.get $jobMax)))
        (f64.store offset=32 (local.get $record) (local.get $jobSum))
        (br $nextJob))))

  ;; ---------------------------------------------------------------------------------------------
  ;; zeroNonFinite(jobs, count, counter): NaN and ±∞ → +0 (|g| ≤ FLT_MAX is false exactly for those).

  (func (export "zeroNonFinite") (param $jobs i32) (param $count i32) (param $counter i32)
    (local $j i32) (local $record i32) (local $src i32) (local $dst i32) (local $end i32) (local $vend i32)
    (local $x v128) (local $vmax v128) (local $g f32)
    (local.set $vmax (f32x4.splat (f32.const 0x1.fffffep+127)))
    (block $done
      (loop $nextJob
        (local.set $j (call $take (local.get $counter) (local.get $count)))
        (br_if $done (i32.lt_s (local.get $j) (i32.const 0)))
        (local.set $record (i32.add (local.get $jobs) (i32.mul (local.get $j) (i32.const 48))))
        (local.set $src (i32.load (local.get $record)))
        (local.set $dst (i32.load offset=4 (local.get $record)))
        (local.set $end
          (i32.add (local.get $src) (i32.shl (i32.load offset=8 (local.get $record)) (i32.const 2))))
        (local.set $vend
          (i32.add (local.get $src) (i32.and (i32.sub (local.get $end) (local.get $src)) (i32.const -16))))
        (block $vDone
          (loop $v
            (br_if $vDone (i32.ge_u (local.get $src) (local.get $vend)))
            (local.set $x (v128.load (local.get $src)))
            (v128.store (local.get $dst)
              (v128.and (local.get $x) (f32x4.le (f32x4.abs (local.get $x)) (local.get $vmax))))
            (local.set $src (i32.add (local.get $src) (i32.const 16)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
            (br $v)))
        (block $sDone
          (loop $s
            (br_if $sDone (i32.ge_u (local.get $src) (local.get $end)))
            (local.set $g (f32.load (local.get $src)))
            (f32.store (local.get $dst)
              (select (local.get $g) (f32.const 0)
                (f32.le (f32.abs (local.get $g)) (f32.const 0x1.fffffep+127))))
            (local.set $src (i32.add (local.get $src) (i32.const 4)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
            (br $s)))
        (br $nextJob))))

  ;; ---------------------------------------------------------------------------------------------
  ;; copy(jobs, count, counter): dst ← src, for fromHost-style copies inside the memory.
  (func (export "copy") (param $jobs i32) (param $count i32) (param $counter i32)
    (local $j i32) (local $record i32)
    (block $done
      (loop $nextJob
        (local.set $j (call $take (local.get $counter) (local.get $count)))
        (br_if $done (i32.lt_s (local.get $j) (i32.const 0)))
        (local.set $record (i32.add (local.get $jobs) (i32.mul (local.get $j) (i32.const 48))))
        (memory.copy
          (i32.load offset=4 (local.get $record))
          (i32.load (local.get $record))
          (i32.shl (i32.load offset=8 (local.get $record)) (i32.const 2)))
        (br $nextJob))))
)
