;; Source: Rosetta Code, task "Fibonacci sequence" (https://rosettacode.org/wiki/Fibonacci_sequence), a Clojure
;;   solution as mirrored in https://github.com/acmeism/RosettaCodeData, Task/Fibonacci-sequence/Clojure/fibonacci-sequence-1.clj
;;   (commit db842d013d043a752d4f8b979e7e640c51dbd2bf).
;; Licence: GNU Free Documentation License 1.2 (Rosetta Code's content licence).
;; Adapted: namespace corpus.rc-fibonacci-sequence; -main prints the first 30 numbers.
(ns corpus.rc-fibonacci-sequence)

(defn fibs []
  (map first (iterate (fn [[a b]] [b (+ a b)]) [0 1])))

(defn -main []
  (prn (take 30 (fibs))))
