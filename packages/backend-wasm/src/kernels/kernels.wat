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
;;  24 min f32 (out)  28 max f32 (out)  32 sum f64 (out)  40 compensation f64 (out)
;;  For the summary with mode 0 (p = ∞), sum is 1 when the job holds a NaN, else 0.
;;
;; Exactness of the power sums: terms are t = (|g|·down)^p for p = 1 or 2 — exact in float64
;; (a float32 square has 48 significant bits). Within a block of at most 4096 elements each of the
;; 8 SIMD lanes and the scalar tail starts its sum at σ, a power of two above the block's largest
;; term, so every partial sum s ≥ σ > t and Fast2Sum (n = s + t, e = t − (n − s)) gives the exact
;; rounding error of each addition with 3 adds instead of TwoSum's 6. s − σ is exact at the end of
;; the block; the lanes and blocks are then merged with TwoSum, the errors adding up in the
;; compensation. The result is Σt to within a few units of 2^-104 relative, like the oracle's
;; Neumaier sum: both round to the same float64 except with negligible probability.

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

  ;; The job's running compensated sum lives in globals of this instance (one per thread).
  (global $sum (mut f64) (f64.const 0))
  (global $compensation (mut f64) (f64.const 0))

  ;; Adds v to (sum, compensation) with TwoSum (exact error whatever the magnitudes), and adds c.
  (func $merge (param $v f64) (param $c f64)
    (local $s f64) (local $n f64) (local $bp f64)
    (local.set $s (global.get $sum))
    (local.set $n (f64.add (local.get $s) (local.get $v)))
    (local.set $bp (f64.sub (local.get $n) (local.get $s)))
    (global.set $compensation
      (f64.add
        (global.get $compensation)
        (f64.add
          (f64.add
            (f64.sub (local.get $s) (f64.sub (local.get $n) (local.get $bp)))
            (f64.sub (local.get $v) (local.get $bp)))
          (local.get $c))))
    (global.set $sum (local.get $n)))

  ;; Merges the two lanes of an (s, c) accumulator pair, each offset by σ.
  (func $mergeLanes (param $s v128) (param $c v128) (param $sigma f64)
    (call $merge
      (f64.sub (f64x2.extract_lane 0 (local.get $s)) (local.get $sigma))
      (f64x2.extract_lane 0 (local.get $c)))
    (call $merge
      (f64.sub (f64x2.extract_lane 1 (local.get $s)) (local.get $sigma))
      (f64x2.extract_lane 1 (local.get $c))))

  ;; ---------------------------------------------------------------------------------------------
  ;; summarize(jobs, count, counter, mode, down): mode 2 → Σ(|g|·down)², 1 → Σ|g|·down, 0 → NaN flag.
  ;; Always the min and max (ignoring NaN).

  (func (export "summarize")
    (param $jobs i32) (param $count i32) (param $counter i32) (param $mode i32) (param $down f64)
    (local $j i32) (local $record i32) (local $src i32) (local $end i32) (local $blockEnd i32)
    (local $vend i32) (local $p i32)
    (local $x v128) (local $vmin v128) (local $vmax v128) (local $vnan v128)
    (local $jobMin f32) (local $jobMax f32) (local $jobNaN i32)
    (local $blockMin f32) (local $blockMax f32) (local $blockNaN i32) (local $maxAbs f32)
    (local $top f64) (local $sigma f64) (local $g f64) (local $t f64) (local $n f64)
    (local $ts f64) (local $tc f64)
    (local $d v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128)
    (local $n0 v128) (local $n1 v128) (local $n2 v128) (local $n3 v128)
    (local.set $d (f64x2.splat (local.get $down)))
    (block $done
      (loop $nextJob
        (local.set $j (call $take (local.get $counter) (local.get $count)))
        (br_if $done (i32.lt_s (local.get $j) (i32.const 0)))
        (local.set $record (i32.add (local.get $jobs) (i32.mul (local.get $j) (i32.const 48))))
        (local.set $src (i32.load (local.get $record)))
        (local.set $end
          (i32.add (local.get $src) (i32.shl (i32.load offset=8 (local.get $record)) (i32.const 2))))
        (local.set $jobMin (f32.const inf))
        (local.set $jobMax (f32.const -inf))
        (local.set $jobNaN (i32.const 0))
        (global.set $sum (f64.const 0))
        (global.set $compensation (f64.const 0))
        (block $blocksDone
          (loop $nextBlock
            (br_if $blocksDone (i32.ge_u (local.get $src) (local.get $end)))
            (local.set $blockEnd (i32.add (local.get $src) (i32.shl (global.get $BLOCK) (i32.const 2))))
            (if (i32.gt_u (local.get $blockEnd) (local.get $end))
              (then (local.set $blockEnd (local.get $end))))
            ;; Pass 1 (reads the block from memory into L1): min, max, NaN.
            (local.set $vmin (v128.const f32x4 inf inf inf inf))
            (local.set $vmax (v128.const f32x4 -inf -inf -inf -inf))
            (local.set $vnan (v128.const i32x4 0 0 0 0))
            (local.set $vend
              (i32.add (local.get $src)
                (i32.and (i32.sub (local.get $blockEnd) (local.get $src)) (i32.const -16))))
            (local.set $p (local.get $src))
            (block $prepassDone
              (loop $prepass
                (br_if $prepassDone (i32.ge_u (local.get $p) (local.get $vend)))
                (local.set $x (v128.load (local.get $p)))
                (local.set $vmin (f32x4.pmin (local.get $vmin) (local.get $x)))
                (local.set $vmax (f32x4.pmax (local.get $vmax) (local.get $x)))
                (local.set $vnan (v128.or (local.get $vnan) (f32x4.ne (local.get $x) (local.get $x))))
                (local.set $p (i32.add (local.get $p) (i32.const 16)))
                (br $prepass)))
            (local.set $blockMin (call $hmin (local.get $vmin)))
            (local.set $blockMax (call $hmax (local.get $vmax)))
            (local.set $blockNaN (v128.any_true (local.get $vnan)))
            (block $tailDone
              (loop $tail
                (br_if $tailDone (i32.ge_u (local.get $p) (local.get $blockEnd)))
                (local.set $maxAbs (f32.load (local.get $p)))
                (local.set $blockMin (call $pmin (local.get $blockMin) (local.get $maxAbs)))
                (local.set $blockMax (call $pmax (local.get $blockMax) (local.get $maxAbs)))
                (if (f32.ne (local.get $maxAbs) (local.get $maxAbs))
                  (then (local.set $blockNaN (i32.const 1))))
                (local.set $p (i32.add (local.get $p) (i32.const 4)))
                (br $tail)))
            (local.set $jobMin (call $pmin (local.get $jobMin) (local.get $blockMin)))
            (local.set $jobMax (call $pmax (local.get $jobMax) (local.get $blockMax)))
            (local.set $jobNaN (i32.or (local.get $jobNaN) (local.get $blockNaN)))
            (local.set $maxAbs (f32.max (f32.abs (local.get $blockMin)) (f32.abs (local.get $blockMax))))
            (block $blockDone
              (br_if $blockDone (i32.eqz (local.get $mode)))
              (if (local.get $blockNaN)
                (then (call $merge (f64.const nan) (f64.const 0)) (br $blockDone)))
              (if (f32.eq (local.get $maxAbs) (f32.const inf))
                (then (call $merge (f64.const inf) (f64.const 0)) (br $blockDone)))
              ;; σ: the power of two just above the largest term (1 when every term is 0).
              (local.set $top (f64.mul (f64.promote_f32 (local.get $maxAbs)) (local.get $down)))
              (if (i32.eq (local.get $mode) (i32.const 2))
                (then (local.set $top (f64.mul (local.get $top) (local.get $top)))))
              (local.set $sigma
                (if (result f64) (f64.eq (local.get $top) (f64.const 0))
                  (then (f64.const 1))
                  (else
                    (f64.reinterpret_i64
                      (i64.add
                        (i64.and (i64.reinterpret_f64 (local.get $top)) (i64.const 0x7ff0000000000000))
                        (i64.const 0x0010000000000000))))))
              (local.set $s0 (f64x2.splat (local.get $sigma)))
              (local.set $s1 (local.get $s0))
              (local.set $s2 (local.get $s0))
              (local.set $s3 (local.get $s0))
              (local.set $c0 (v128.const i64x2 0 0))
              (local.set $c1 (local.get $c0))
              (local.set $c2 (local.get $c0))
              (local.set $c3 (local.get $c0))
              (local.set $vend
                (i32.add (local.get $src)
                  (i32.and (i32.sub (local.get $blockEnd) (local.get $src)) (i32.const -32))))
              (local.set $p (local.get $src))
              ;; Pass 2 (from L1): the terms, 8 per iteration, into 4 Fast2Sum pairs of 2 lanes.
              (if (i32.eq (local.get $mode) (i32.const 2))
                (then
                  (block $squaresDone
                    (loop $squares
                      (br_if $squaresDone (i32.ge_u (local.get $p) (local.get $vend)))
                      (local.set $x (v128.load (local.get $p)))
                      (local.set $a0 (f64x2.mul (f64x2.promote_low_f32x4 (local.get $x)) (local.get $d)))
                      (local.set $a1 (f64x2.mul (f64x2.promote_low_f32x4
                        (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $x) (local.get $x)))
                        (local.get $d)))
                      (local.set $x (v128.load offset=16 (local.get $p)))
                      (local.set $a2 (f64x2.mul (f64x2.promote_low_f32x4 (local.get $x)) (local.get $d)))
                      (local.set $a3 (f64x2.mul (f64x2.promote_low_f32x4
                        (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $x) (local.get $x)))
                        (local.get $d)))
                      (local.set $a0 (f64x2.mul (local.get $a0) (local.get $a0)))
                      (local.set $a1 (f64x2.mul (local.get $a1) (local.get $a1)))
                      (local.set $a2 (f64x2.mul (local.get $a2) (local.get $a2)))
                      (local.set $a3 (f64x2.mul (local.get $a3) (local.get $a3)))
                      (local.set $n0 (f64x2.add (local.get $s0) (local.get $a0)))
                      (local.set $n1 (f64x2.add (local.get $s1) (local.get $a1)))
                      (local.set $n2 (f64x2.add (local.get $s2) (local.get $a2)))
                      (local.set $n3 (f64x2.add (local.get $s3) (local.get $a3)))
                      (local.set $c0 (f64x2.add (local.get $c0)
                        (f64x2.sub (local.get $a0) (f64x2.sub (local.get $n0) (local.get $s0)))))
                      (local.set $c1 (f64x2.add (local.get $c1)
                        (f64x2.sub (local.get $a1) (f64x2.sub (local.get $n1) (local.get $s1)))))
                      (local.set $c2 (f64x2.add (local.get $c2)
                        (f64x2.sub (local.get $a2) (f64x2.sub (local.get $n2) (local.get $s2)))))
                      (local.set $c3 (f64x2.add (local.get $c3)
                        (f64x2.sub (local.get $a3) (f64x2.sub (local.get $n3) (local.get $s3)))))
                      (local.set $s0 (local.get $n0))
                      (local.set $s1 (local.get $n1))
                      (local.set $s2 (local.get $n2))
                      (local.set $s3 (local.get $n3))
                      (local.set $p (i32.add (local.get $p) (i32.const 32)))
                      (br $squares))))
                (else
                  (block $absDone
                    (loop $abs
                      (br_if $absDone (i32.ge_u (local.get $p) (local.get $vend)))
                      (local.set $x (f32x4.abs (v128.load (local.get $p))))
                      (local.set $a0 (f64x2.mul (f64x2.promote_low_f32x4 (local.get $x)) (local.get $d)))
                      (local.set $a1 (f64x2.mul (f64x2.promote_low_f32x4
                        (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $x) (local.get $x)))
                        (local.get $d)))
                      (local.set $x (f32x4.abs (v128.load offset=16 (local.get $p))))
                      (local.set $a2 (f64x2.mul (f64x2.promote_low_f32x4 (local.get $x)) (local.get $d)))
                      (local.set $a3 (f64x2.mul (f64x2.promote_low_f32x4
                        (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $x) (local.get $x)))
                        (local.get $d)))
                      (local.set $n0 (f64x2.add (local.get $s0) (local.get $a0)))
                      (local.set $n1 (f64x2.add (local.get $s1) (local.get $a1)))
                      (local.set $n2 (f64x2.add (local.get $s2) (local.get $a2)))
                      (local.set $n3 (f64x2.add (local.get $s3) (local.get $a3)))
                      (local.set $c0 (f64x2.add (local.get $c0)
                        (f64x2.sub (local.get $a0) (f64x2.sub (local.get $n0) (local.get $s0)))))
                      (local.set $c1 (f64x2.add (local.get $c1)
                        (f64x2.sub (local.get $a1) (f64x2.sub (local.get $n1) (local.get $s1)))))
                      (local.set $c2 (f64x2.add (local.get $c2)
                        (f64x2.sub (local.get $a2) (f64x2.sub (local.get $n2) (local.get $s2)))))
                      (local.set $c3 (f64x2.add (local.get $c3)
                        (f64x2.sub (local.get $a3) (f64x2.sub (local.get $n3) (local.get $s3)))))
                      (local.set $s0 (local.get $n0))
                      (local.set $s1 (local.get $n1))
                      (local.set $s2 (local.get $n2))
                      (local.set $s3 (local.get $n3))
                      (local.set $p (i32.add (local.get $p) (i32.const 32)))
                      (br $abs)))))
              ;; Scalar tail of the block (fewer than 8 elements), its own pair starting at σ.
              (local.set $ts (local.get $sigma))
              (local.set $tc (f64.const 0))
              (block $scalarDone
                (loop $scalar
                  (br_if $scalarDone (i32.ge_u (local.get $p) (local.get $blockEnd)))
                  (local.set $g (f64.mul (f64.abs (f64.promote_f32 (f32.load (local.get $p)))) (local.get $down)))
                  (local.set $t
                    (if (result f64) (i32.eq (local.get $mode) (i32.const 2))
                      (then (f64.mul (local.get $g) (local.get $g)))
                      (else (local.get $g))))
                  (local.set $n (f64.add (local.get $ts) (local.get $t)))
                  (local.set $tc (f64.add (local.get $tc)
                    (f64.sub (local.get $t) (f64.sub (local.get $n) (local.get $ts)))))
                  (local.set $ts (local.get $n))
                  (local.set $p (i32.add (local.get $p) (i32.const 4)))
                  (br $scalar)))
              (call $mergeLanes (local.get $s0) (local.get $c0) (local.get $sigma))
              (call $mergeLanes (local.get $s1) (local.get $c1) (local.get $sigma))
              (call $mergeLanes (local.get $s2) (local.get $c2) (local.get $sigma))
              (call $mergeLanes (local.get $s3) (local.get $c3) (local.get $sigma))
              (call $merge (f64.sub (local.get $ts) (local.get $sigma)) (local.get $tc)))
            (local.set $src (local.get $blockEnd))
            (br $nextBlock)))
        (f32.store offset=24 (local.get $record) (local.get $jobMin))
        (f32.store offset=28 (local.get $record) (local.get $jobMax))
        (if (i32.eqz (local.get $mode))
          (then (f64.store offset=32 (local.get $record) (f64.convert_i32_u (local.get $jobNaN))))
          (else (f64.store offset=32 (local.get $record) (global.get $sum))))
        (f64.store offset=40 (local.get $record) (global.get $compensation))
        (br $nextJob))))

  ;; ---------------------------------------------------------------------------------------------
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
            (local.set $x
              (v128.bitselect (local.get $vlo) (local.get $x) (f32x4.lt (local.get $x) (local.get $vlo))))
            (v128.store (local.get $dst)
              (v128.bitselect (local.get $vhi) (local.get $x) (f32x4.gt (local.get $x) (local.get $vhi))))
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
