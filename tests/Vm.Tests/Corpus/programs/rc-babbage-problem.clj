;; Source: Rosetta Code, task "Babbage problem" (https://rosettacode.org/wiki/Babbage_problem), a Clojure
;;   solution as mirrored in https://github.com/acmeism/RosettaCodeData, Task/Babbage-problem/Clojure/babbage-problem.clj
;;   (commit f23f22d71c285985898c796573a9c514cc8ea505).
;; Licence: GNU Free Documentation License 1.2 (Rosetta Code's content licence).
;; Adapted: namespace corpus.rc-babbage-problem; the top-level expression is printed by -main.
(ns corpus.rc-babbage-problem)

; Defines function named babbage? that returns true if the
; square of the provided number leaves a remainder of 269,696 when divided
; by a million
(defn babbage? [n]
  (let [square (* n n)]
    (= 269696 (mod square 1000000))))

(defn -main []
  ; Use the above babbage? to find the first positive integer that returns true
  ; (We're exploiting Clojure's laziness here; (range) with no parameters returns
  ; an infinite series.)
  (prn (first (filter babbage? (range)))))
